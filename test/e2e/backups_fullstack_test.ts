/**
 * Backups through the whole of Cairn: the real appliance process, real agents, real restic, and
 * the job page in Debian's Chromium. What a user does: make a repository and a plan, run it
 * now, watch it, cancel it, check the repository, read why a job failed.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SnapshotView } from "../../server/contract/backups.ts";
import { ADMIN_PASSWORD, waitFor } from "../agents/procs.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { testSecret } from "../helpers/log_capture.ts";
import { writeTree } from "../tools/tree.ts";
import { startBackupRig } from "./backup_rig.ts";
import { screenshot, signIn } from "./pwa_helpers.ts";

async function withWork(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "cairn-fullstack-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

Deno.test("a plan targeting a tag backs up both tagged hosts with restic, and the snapshot cache shows each", async () => {
  await withWork(async (work) => {
    const rig = await startBackupRig({ agents: [{ tags: ["web"] }, { tags: ["web"] }, {}] });
    try {
      const src = join(work, "src");
      await writeTree(src, { files: 50, fileSize: 4096 });
      const passphrase = testSecret("fanout-pass");
      const { repository } = await rig.createRepository({
        name: "shared",
        engine: "restic",
        location: { kind: "local", path: join(work, "repo") },
        passphrase,
      });
      const [init] = await rig.run({
        kind: "init",
        repositoryId: repository.id,
        hostId: rig.agents[0].hostId,
      });
      assert.equal((await rig.finish(init.id)).job.status, "ok");
      const plan = await rig.createPlan({
        name: "web files",
        repositoryId: repository.id,
        target: { type: "tag", tag: "web" },
        sources: [src],
        retention: { last: 3 },
      });
      const jobs = await rig.run({ kind: "backup", planId: plan.id });
      assert.deepEqual(
        jobs.map((j) => j.host.id).sort(),
        [rig.agents[0].hostId, rig.agents[1].hostId].sort(),
        "one job per tagged host, none for the untagged one",
      );
      for (const j of jobs) {
        const { job } = await rig.finish(j.id);
        assert.equal(job.status, "ok", job.message ?? "");
        assert.ok(job.snapshotId, "a backup names the snapshot it made");
      }
      const { snapshots } = await rig.api<{ snapshots: SnapshotView[] }>(
        "GET",
        `/api/snapshots?repositoryId=${repository.id}`,
      );
      assert.equal(snapshots.length, 2);
      assert.deepEqual(
        snapshots.map((s) => s.hostId).sort(),
        [rig.agents[0].hostId, rig.agents[1].hostId].sort(),
      );
      assert.ok(snapshots.every((s) => s.planId === plan.id && s.paths[0] === src));
    } finally {
      await rig.close();
    }
  });
});

Deno.test("progress reaches the job page while restic runs; cancel stops it and check then passes", async () => {
  await withWork(async (work) => {
    const rig = await startBackupRig();
    const browser = await launchBrowser();
    const problems: string[] = [];
    try {
      const src = join(work, "src");
      // 120 MiB at an upload limit of 4 MiB/s: restic reads ahead about 48 MiB (its pack
      // buffers), then reads only as fast as it uploads, so the backup runs for many seconds
      // with its percentage climbing all the while.
      await writeTree(src, { files: 240, fileSize: 512 * 1024 });
      const { repository } = await rig.createRepository({
        name: "slow",
        engine: "restic",
        location: { kind: "local", path: join(work, "repo") },
        passphrase: testSecret("progress-pass"),
      });
      const hostId = rig.agents[0].hostId;
      const [init] = await rig.run({ kind: "init", repositoryId: repository.id, hostId });
      assert.equal((await rig.finish(init.id)).job.status, "ok");
      const plan = await rig.createPlan({
        name: "slow files",
        repositoryId: repository.id,
        target: { type: "host", hostId },
        sources: [src],
        limits: { uploadKiB: 4096 },
      });
      const [job] = await rig.run({ kind: "backup", planId: plan.id });

      const page = await browser.newPage();
      page.setDefaultTimeout(15_000);
      page.on("console", (m) => {
        if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      await page.goto(new URL(`/jobs/${job.id}`, rig.appliance.url).href);
      await signIn(page, "admin", ADMIN_PASSWORD);
      const figure = page.getByTestId("job-percent");
      const seen = new Set<string>();
      await waitFor("the progress figure to move twice", async () => {
        const text = await figure.textContent({ timeout: 1000 }).catch(() => null);
        const v = Number.parseFloat(text ?? "");
        if (v > 0 && v < 100) seen.add(text!);
        return seen.size >= 2;
      }, 60_000).catch(async (err) => {
        await screenshot(page, "debug-job-page");
        console.log(JSON.stringify(await rig.api("GET", `/api/jobs/${job.id}`)).slice(0, 2000));
        throw err;
      });
      await screenshot(page, "backups-job-running");
      await page.getByRole("button", { name: "Cancel" }).click();
      const dialog = page.getByRole("dialog");
      if (await dialog.count()) {
        await dialog.getByRole("button", { name: /Cancel (the )?job/ }).click();
      }
      const { job: ended } = await rig.finish(job.id, 60_000);
      assert.equal(ended.status, "cancelled");
      await page.getByText(/Cancelled/).first().waitFor();

      const [check] = await rig.run({ kind: "check", repositoryId: repository.id, hostId });
      const { job: checked } = await rig.finish(check.id);
      assert.equal(checked.status, "ok", `check after cancel: ${checked.message} ${checked.tail}`);
      assert.deepEqual(problems, [], "no CSP violations or page errors");
    } finally {
      await browser.close();
      await rig.close();
    }
  });
});

Deno.test("a wrong passphrase and a failing pre-hook each end as a failed job that says why", async () => {
  await withWork(async (work) => {
    const rig = await startBackupRig();
    try {
      const hostId = rig.agents[0].hostId;
      const src = join(work, "src");
      await writeTree(src, { files: 5, fileSize: 1024 });
      const { repository } = await rig.createRepository({
        name: "right",
        engine: "restic",
        location: { kind: "local", path: join(work, "repo") },
        passphrase: testSecret("right-pass"),
      });
      const [init] = await rig.run({ kind: "init", repositoryId: repository.id, hostId });
      assert.equal((await rig.finish(init.id)).job.status, "ok");

      const { repository: wrong } = await rig.createRepository({
        name: "wrong",
        engine: "restic",
        location: { kind: "local", path: join(work, "repo") },
        passphrase: testSecret("wrong-pass"),
      });
      const [list] = await rig.run({ kind: "snapshots", repositoryId: wrong.id, hostId });
      const { job: denied } = await rig.finish(list.id);
      assert.equal(denied.status, "failed");
      assert.equal(denied.failureCode, "wrong_password");
      assert.match(denied.message ?? "", /passphrase|password/i);

      const marker = join(work, "post-ran");
      const plan = await rig.createPlan({
        name: "hooked",
        repositoryId: repository.id,
        target: { type: "host", hostId },
        sources: [src],
        hooks: {
          pre: `echo ${testSecret("hook-text")} >/dev/null; echo preparing; exit 3`,
          post: `echo "$CAIRN_JOB_STATUS" > ${marker}`,
        },
      });
      const [backup] = await rig.run({ kind: "backup", planId: plan.id });
      const { job: hooked, log } = await rig.finish(backup.id);
      assert.equal(hooked.status, "failed");
      assert.equal(hooked.failureCode, "hook_failed");
      assert.match(hooked.message ?? "", /pre-backup hook exited with 3/);
      assert.ok(log.some((l) => l.source === "hook" && l.text.includes("preparing")));
      assert.equal((await Deno.readTextFile(marker)).trim(), "failed", "the post-hook ran");
      const { snapshots } = await rig.api<{ snapshots: SnapshotView[] }>(
        "GET",
        `/api/snapshots?repositoryId=${repository.id}`,
      );
      assert.equal(snapshots.length, 0, "the tool never ran");
    } finally {
      await rig.close();
    }
  });
});
