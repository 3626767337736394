/**
 * The agent's `restore` kind with real restic and borg: the hard-case tree backed up, restored
 * to a new location and compared by content and metadata; the original place under each
 * overwrite policy; remap; a target through a symlink refused; a symlink escape refused.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs/promises";
import { join } from "node:path";
import type { Engine, OverwritePolicy } from "../server/contract/jobs.ts";
import { testSecret } from "./helpers/log_capture.ts";
import { assertSameTree, makeHardTree } from "./fixtures/restore_tree.ts";
import { makeSpec, type RunnerFixture, runToEnd, withRunner } from "./runner/fixture.ts";

const PASSWORD = testSecret("restore-agent-pw");
let seq = 0;

async function setUp(f: RunnerFixture, engine: Engine, src: string) {
  const location = { kind: "local" as const, path: join(f.dir, "repo") };
  const base = { engine, location, passphrase: PASSWORD };
  const init = await runToEnd(
    f,
    await makeSpec(f, { ...base, jobId: `job_i${++seq}`, kind: "init" }),
  );
  assert.equal(init.status, "ok", init.tail);
  const backup = async () => {
    const r = await runToEnd(
      f,
      await makeSpec(f, {
        ...base,
        jobId: `job_b${++seq}`,
        kind: "backup",
        plan: { sources: [src] },
      }),
    );
    assert.equal(r.status, "ok", r.tail);
    return r.snapshotId!;
  };
  const restore = async (
    snapshot: string,
    r: { paths: string[]; targetDir: string; overwrite: OverwritePolicy; remap?: unknown },
  ) => {
    const spec = await makeSpec(f, { ...base, jobId: `job_r${++seq}`, kind: "restore" });
    spec.snapshot = { id: snapshot };
    spec.restore = r;
    const out = await runToEnd(f, spec);
    return { ...out, reports: f.reports(spec.jobId as string) };
  };
  return { backup, restore };
}

for (const engine of ["restic", "borg"] as const) {
  Deno.test(`${engine} restore: hard cases to a new location, equal by content and metadata`, async () => {
    await withRunner(async (f) => {
      const src = join(f.dir, "src");
      await makeHardTree(src);
      const { backup, restore } = await setUp(f, engine, src);
      const snap = await backup();
      const target = join(f.dir, "restore-to");
      const r = await restore(snap, { paths: [src], targetDir: target, overwrite: "never" });
      assert.equal(r.status, "ok", `${r.message} ${r.tail}`);
      const compared = await assertSameTree(src, join(target, src));
      assert.ok(compared >= 60, `compared ${compared} entries`);
      const result = r.result as Record<string, number>;
      assert.equal(result.replaced, 0);
      assert.equal(result.skipped, 0);
      assert.ok(result.bytes >= 48 * 1024 * 1024, `bytes ${result.bytes}`);
      // The staging directory is gone; nothing else was made in the target.
      assert.deepEqual(await fs.readdir(target), [src.split("/")[1]]);
      const phases = r.reports.filter((x) => x.kind === "job.progress").map((x) => x.body.phase);
      assert.ok(phases.includes("Done"), JSON.stringify(phases));

      // One file by its path, and a remap of the folder holding it.
      const one = join(src, "ünïcødé 日本語 ✓.txt");
      const r2 = await restore(snap, {
        paths: [one],
        targetDir: join(f.dir, "one"),
        overwrite: "never",
        remap: [{ from: src, to: "/moved" }],
      });
      assert.equal(r2.status, "ok", `${r2.message} ${r2.tail}`);
      const moved = join(f.dir, "one", "moved", "ünïcødé 日本語 ✓.txt");
      assert.equal(await fs.readFile(moved, "utf8"), "unicode ✓\n");
      assert.equal((await fs.stat(moved)).uid, 1234);
    });
  });

  Deno.test(`${engine} restore: the original place under each overwrite policy`, async () => {
    await withRunner(async (f) => {
      const src = join(f.dir, "live");
      await fs.mkdir(src);
      const t = new Date("2025-06-01T00:00:00Z");
      for (const n of ["older", "newer", "different", "same", "gone"]) {
        await fs.writeFile(join(src, n), `snapshot ${n}\n`);
        await fs.utimes(join(src, n), t, t);
      }
      const { backup, restore } = await setUp(f, engine, src);
      const snap = await backup();
      const prepare = async () => {
        const w = async (n: string, text: string, at: Date) => {
          await fs.writeFile(join(src, n), text);
          await fs.utimes(join(src, n), at, at);
        };
        await w("older", "live older, changed\n", new Date("2025-01-01T00:00:00Z"));
        await w("newer", "live newer, changed\n", new Date("2025-12-01T00:00:00Z"));
        await w("different", "snapshot diffXrent\n", t); // same size, same time, other bytes
        await w("same", "snapshot same\n", t);
        await fs.rm(join(src, "gone"), { force: true });
        await fs.writeFile(join(src, "extra"), "not in the snapshot\n");
      };
      const expected: Record<OverwritePolicy, string[]> = {
        always: ["older", "newer", "different", "same"],
        "if-newer": ["older"],
        "if-different": ["older", "newer", "different"],
        never: [],
      };
      for (const policy of ["always", "if-newer", "if-different", "never"] as const) {
        await prepare();
        const before = new Map<string, string>();
        for (const n of await fs.readdir(src)) {
          before.set(n, await fs.readFile(join(src, n), "utf8"));
        }
        const r = await restore(snap, { paths: [src], targetDir: "/", overwrite: policy });
        assert.equal(r.status, "ok", `${policy}: ${r.message} ${r.tail}`);
        for (const n of ["older", "newer", "different", "same"]) {
          const want = expected[policy].includes(n) ? `snapshot ${n}\n` : before.get(n);
          assert.equal(await fs.readFile(join(src, n), "utf8"), want, `${policy}: ${n}`);
        }
        assert.equal(await fs.readFile(join(src, "gone"), "utf8"), "snapshot gone\n", policy);
        assert.equal(await fs.readFile(join(src, "extra"), "utf8"), "not in the snapshot\n");
        const result = r.result as Record<string, number>;
        assert.equal(result.replaced, expected[policy].length, `${policy}: replaced`);
        assert.equal(result.restored, 1, `${policy}: restored`);
        assert.equal(result.target, "/" as unknown as number);
        assert.ok(!(await fs.readdir("/")).some((n) => n.startsWith(".cairn-restore-")));
      }
    });
  });
}

Deno.test("restic restore: symlinks on the way out of the target are refused", async () => {
  await withRunner(async (f) => {
    const src = join(f.dir, "src");
    await fs.mkdir(src);
    await fs.writeFile(join(src, "f.txt"), "data\n");
    const { backup, restore } = await setUp(f, "restic", src);
    const snap = await backup();
    const outside = join(f.dir, "outside");
    await fs.mkdir(outside);
    // The target itself through a symlink: refused before anything runs.
    const root = join(f.dir, "root");
    await fs.mkdir(root);
    await fs.symlink(outside, join(root, "link"));
    const r1 = await restore(snap, {
      paths: [src],
      targetDir: join(root, "link"),
      overwrite: "always",
    });
    assert.equal(r1.status, "failed");
    assert.equal(r1.failureCode, "invalid");
    assert.match(r1.message ?? "", /symlink/);
    // A remap into a folder that is a symlink leading out of the target: that entry is refused.
    const r2 = await restore(snap, {
      paths: [src],
      targetDir: root,
      overwrite: "always",
      remap: [{ from: src, to: "/link/escaped" }],
    });
    assert.equal(r2.status, "warning", r2.message ?? "");
    assert.deepEqual((r2.result as { refused: string[] }).refused, [src]);
    assert.deepEqual(await fs.readdir(outside), []);
    assert.deepEqual((await fs.readdir(root)).sort(), ["link"]);
  });
});
