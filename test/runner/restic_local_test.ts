/**
 * The job runner with real restic on a local repository: init, backups at controlled times,
 * snapshots in parts, forget with a retention whose result must match what restic itself says
 * (`restic forget --dry-run --json`, run directly), wrong password, and no secret anywhere.
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SNAPSHOTS_PER_PART } from "../../server/contract/jobs.ts";
import { testSecret } from "../helpers/log_capture.ts";
import { makeSpec, runToEnd, withRunner } from "./fixture.ts";

const PASSWORD = testSecret("runner-restic-pw");

async function resticJson(repo: string, args: string[]): Promise<unknown> {
  const out = await new Deno.Command("restic", {
    args,
    env: { RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: PASSWORD, TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout).split("\n")[0]);
}

Deno.test("restic local: backups, listing in parts, forget keeps exactly what restic would", async () => {
  await withRunner(async (f) => {
    const repo = join(f.dir, "repo");
    const src = join(f.dir, "src");
    await mkdir(src);
    await writeFile(join(src, "a.txt"), "hello");
    const base = { engine: "restic" as const, location: { kind: "local" as const, path: repo } };
    const plan = { sources: [src], retention: { daily: 2, last: 1 } };
    const init = await runToEnd(
      f,
      await makeSpec(f, { ...base, jobId: "job_init", kind: "init", passphrase: PASSWORD }),
    );
    assert.equal(init.status, "ok", init.tail);
    const initParts = f.reports("job_init").filter((r) => r.kind === "snapshots");
    assert.deepEqual(initParts.map((r) => [r.body.part, r.body.last, r.body.snapshots]), [
      [0, true, []],
    ]);

    const day = 86_400_000;
    const t0 = Date.UTC(2026, 0, 1, 10);
    const times = Array.from(
      { length: 28 },
      (_, i) => t0 + Math.floor(i / 4) * day + (i % 4) * 3600_000,
    );
    for (const [i, t] of times.entries()) {
      await writeFile(join(src, "n.txt"), String(i));
      const r = await runToEnd(
        f,
        await makeSpec(f, {
          ...base,
          jobId: `job_b${i}`,
          kind: "backup",
          passphrase: PASSWORD,
          plan,
          options: { snapshotTime: t },
        }),
      );
      assert.equal(r.status, "ok", r.tail);
      // restic 0.14 names a new snapshot by its short id; the finished report describes it,
      // so the appliance's cache has it without a listing after every backup.
      assert.match(r.snapshotId ?? "", /^[0-9a-f]{8}$/);
      const made = (r.result as { snapshot: { id: string; time: number; paths: string[] } })
        .snapshot;
      assert.deepEqual([made.id, made.time, made.paths], [r.snapshotId, t, [src]]);
    }
    const last = f.reports("job_b27");
    assert.deepEqual(
      last.map((r) => r.kind).filter((k) => k !== "job.log" && k !== "job.progress"),
      ["job.started", "job.finished"],
    );
    assert.match(String(last[0].body.command), /^RESTIC_REPOSITORY=\S+ restic backup --json/);
    const list = await runToEnd(
      f,
      await makeSpec(f, { ...base, jobId: "job_list", kind: "snapshots", passphrase: PASSWORD }),
    );
    assert.equal(list.status, "ok", list.tail);
    const parts = f.reports("job_list").filter((r) => r.kind === "snapshots");
    assert.deepEqual(
      parts.map((p) => [p.body.part, p.body.last, (p.body.snapshots as []).length]),
      [
        [0, false, SNAPSHOTS_PER_PART],
        [1, true, 28 - SNAPSHOTS_PER_PART],
      ],
    );
    const tags = (parts[0].body.snapshots as Array<{ tags: string[] }>)[0].tags;
    assert.deepEqual(tags.sort(), ["cairn", "cairn-host:hst_web1", "cairn-plan:pln_daily"]);

    const expected = (await resticJson(repo, [
      "forget",
      "--json",
      "--dry-run",
      "--keep-last=1",
      "--keep-daily=2",
      "--tag=cairn-host:hst_web1,cairn-plan:pln_daily",
      "--group-by=",
    ])) as Array<{ keep: Array<{ id: string }>; remove: Array<{ id: string }> }>;
    const keep = expected.flatMap((g) => g.keep.map((s) => s.id)).sort();
    const remove = expected.flatMap((g) => g.remove.map((s) => s.id)).sort();
    assert.ok(keep.length >= 2 && remove.length > 0, "the retention removes something");

    const forget = await runToEnd(
      f,
      await makeSpec(f, {
        ...base,
        jobId: "job_forget",
        kind: "forget",
        passphrase: PASSWORD,
        plan,
      }),
    );
    assert.equal(forget.status, "ok", forget.tail);
    assert.equal(forget.result?.kept, keep.length);
    assert.equal(forget.result?.removed, remove.length);
    assert.deepEqual((forget.result?.removedIds as string[]).slice().sort(), remove);
    const left = (await resticJson(repo, ["snapshots", "--json"])) as Array<{ id: string }>;
    assert.deepEqual(left.map((s) => s.id).sort(), keep);
    const listed = f.reports("job_forget").filter((r) => r.kind === "snapshots");
    assert.equal(listed.at(-1)!.body.last, true);
    assert.deepEqual(
      listed.flatMap((p) => (p.body.snapshots as Array<{ id: string }>).map((s) => s.id)).sort(),
      keep,
    );

    const noRetention = await runToEnd(
      f,
      await makeSpec(f, {
        ...base,
        jobId: "job_forget_all",
        kind: "forget",
        passphrase: PASSWORD,
        plan: { sources: [src], retention: {} },
      }),
    );
    assert.equal(noRetention.failureCode, "invalid");
    assert.equal(noRetention.message, "This plan keeps every snapshot: set a retention rule first");

    const wrong = await runToEnd(
      f,
      await makeSpec(f, {
        ...base,
        jobId: "job_wrong",
        kind: "snapshots",
        passphrase: "nope-nope",
      }),
    );
    assert.equal(wrong.status, "failed");
    assert.equal(wrong.failureCode, "wrong_password");
    assert.match(wrong.message ?? "", /password is wrong/);

    const stats = await runToEnd(
      f,
      await makeSpec(f, { ...base, jobId: "job_stats", kind: "stats", passphrase: PASSWORD }),
    );
    assert.equal(stats.status, "ok", stats.tail);
    assert.equal(stats.result?.snapshotCount, keep.length);
    assert.ok((stats.result?.totalSizeBytes as number) > 0);

    const check = await runToEnd(
      f,
      await makeSpec(f, {
        ...base,
        jobId: "job_check",
        kind: "check",
        passphrase: PASSWORD,
        options: { readDataSubset: "50%" },
      }),
    );
    assert.equal(check.status, "ok", check.tail);

    const dup = await f.submit(
      await makeSpec(f, { ...base, jobId: "job_check", kind: "check", passphrase: PASSWORD }),
    );
    assert.equal(dup.accepted, false, "a job id that ran is ignored");

    const text = JSON.stringify(f.reports()) + f.logLines.join("\n");
    assert.ok(!text.includes(PASSWORD), "the password never appears");
  });
});
