/**
 * The job rules raised and resolved by real events: a real appliance, a real agent and real
 * restic on a local repository. A repository whose directory went away fails three backups
 * (job_failed, then failures_in_row), and coming back resolves both; a backup that doubled
 * opens size_changed with a link to the comparison; a pack file corrupted on disk fails a check;
 * a restic killed mid-backup leaves a lock that a locks job sees. Every assertion reads
 * GET /api/alerts, and a webhook channel hears the opened and resolved events.
 */
import assert from "node:assert/strict";
import { copyFile, mkdtemp, open, readdir, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../agents/procs.ts";
import { startBackupRig } from "../e2e/backup_rig.ts";
import type { BackupRig } from "../e2e/backup_rig.ts";
import { testSecret } from "../helpers/log_capture.ts";
import { writeTree } from "../tools/tree.ts";
import {
  addWebhookChannel,
  listAlerts,
  setRule,
  startWebhookReceiver,
  waitAlert,
  waitReceived,
} from "./real_helpers.ts";

async function runOne(rig: BackupRig, body: Record<string, unknown>, want: string) {
  const [job] = await rig.run(body);
  const { job: done } = await rig.finish(job.id);
  assert.equal(done.status, want, `${body.kind}: ${done.message ?? ""}`);
  return done;
}

/** The largest pack file of a local restic repository. */
async function somePack(repo: string): Promise<string> {
  let best = { path: "", size: -1 };
  for (const sub of await readdir(join(repo, "data"))) {
    for (const f of await readdir(join(repo, "data", sub))) {
      const path = join(repo, "data", sub, f);
      const size = (await Deno.stat(path)).size;
      if (size > best.size) best = { path, size };
    }
  }
  return best.path;
}

/** The pid of the restic process whose command line names this source directory (from ps). */
async function resticFor(source: string): Promise<number | null> {
  const out = await new Deno.Command("ps", { args: ["-eo", "pid=,args="], stdout: "piped" })
    .output();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const [pid, cmd, ...args] = line.trim().split(/\s+/);
    if (cmd?.endsWith("restic") && args.includes("backup") && args.includes(source)) {
      return Number(pid);
    }
  }
  return null;
}

Deno.test("job rules by real events: failing repository, doubled backup, corrupt pack, killed restic's lock", async () => {
  const work = await mkdtemp(join(tmpdir(), "cairn-alerts-real-"));
  const hook = startWebhookReceiver();
  const rig = await startBackupRig({ env: { CAIRN_ALERT_TICK_MS: "500" } });
  try {
    await addWebhookChannel(rig, hook.url);
    const hostId = rig.agents[0].hostId;
    const repoDir = join(work, "repo");
    const src = join(work, "src");
    await writeTree(src, { files: 20, fileSize: 32 * 1024, seed: 1 });
    const { repository } = await rig.createRepository({
      name: "local",
      engine: "restic",
      location: { kind: "local", path: repoDir },
      passphrase: testSecret("alerts-real-pass"),
    });
    const repositoryId = repository.id;
    await runOne(rig, { kind: "init", repositoryId, hostId }, "ok");
    const plan = await rig.createPlan({
      name: "files",
      repositoryId,
      target: { type: "host", hostId },
      sources: [src],
    });
    const backup = { kind: "backup", planId: plan.id };
    const pair = `${hostId}/${plan.id}`;

    // The repository's directory goes away: every backup fails.
    await rename(repoDir, `${repoDir}.gone`);
    const first = await runOne(rig, backup, "failed");
    const failed = await waitAlert(rig, "job_failed", `${pair}/backup`, "open", 10_000);
    assert.equal(failed.jobId, first.id);
    assert.equal(failed.link, `/jobs/${first.id}`);
    assert.equal(failed.severity, "warning");
    assert.equal((await listAlerts(rig, { rule: "failures_in_row" })).length, 0, "one is no row");
    await runOne(rig, backup, "failed");
    assert.equal((await listAlerts(rig, { rule: "failures_in_row" })).length, 0, "two are not");
    const third = await runOne(rig, backup, "failed");
    const row = await waitAlert(rig, "failures_in_row", pair, "open", 10_000);
    assert.equal(row.jobId, third.id);
    assert.equal(row.severity, "critical");
    assert.match(row.title, /^3 backups in a row failed on /);
    const again = await waitAlert(rig, "job_failed", `${pair}/backup`, "open");
    assert.equal(again.id, failed.id, "one open alert per rule and subject");
    assert.equal(again.count, 3);
    assert.equal(again.jobId, third.id);

    // It comes back: the next backup succeeds and resolves both.
    await rename(`${repoDir}.gone`, repoDir);
    await runOne(rig, backup, "ok");
    const fixed = await waitAlert(rig, "job_failed", `${pair}/backup`, "resolved", 10_000);
    assert.equal(fixed.id, failed.id);
    assert.ok(fixed.resolvedAt);
    assert.equal((await waitAlert(rig, "failures_in_row", pair, "resolved")).id, row.id);
    for (const id of [failed.id, row.id]) {
      await waitReceived(hook, id, "opened");
      const resolved = await waitReceived(hook, id, "resolved");
      assert.equal(resolved.alert.state, "resolved");
    }
    assert.equal(
      hook.received.filter((r) => r.alert.id === failed.id && r.event === "opened").length,
      1,
      "a repeat sends no new notice",
    );

    // As much data again: the next snapshot doubled.
    await writeTree(join(src, "more"), { files: 20, fileSize: 32 * 1024, seed: 2 });
    const doubled = await runOne(rig, backup, "ok");
    const grew = await waitAlert(rig, "size_changed", pair, "open", 10_000);
    assert.match(grew.message, /^Plan files: the backup grew from .+ to .+ \(\+\d+ %\)/);
    assert.ok(
      grew.link.startsWith(
        `/hosts/${hostId}/snapshots/${repositoryId}/${doubled.snapshotId}/diff?from=`,
      ),
      grew.link,
    );
    await runOne(rig, backup, "ok");
    assert.equal((await waitAlert(rig, "size_changed", pair, "resolved", 10_000)).id, grew.id);

    // A pack file corrupted on disk: a check reading the data fails; the good copy passes.
    const pack = await somePack(repoDir);
    await copyFile(pack, `${pack}.good`);
    const fh = await open(pack, "r+");
    await fh.write(new Uint8Array(64).fill(0x5a), 0, 64, 100);
    await fh.close();
    const check = { kind: "check", repositoryId, hostId, options: { readData: true } };
    const bad = await runOne(rig, check, "failed");
    const broken = await waitAlert(rig, "check_failed", repositoryId, "open", 10_000);
    assert.equal(broken.jobId, bad.id);
    assert.equal(broken.severity, "critical");
    await rename(`${pack}.good`, pack);
    await runOne(rig, check, "ok");
    assert.equal((await waitAlert(rig, "check_failed", repositoryId, "resolved")).id, broken.id);

    await lockScenario(rig, { work, repositoryId, hostId });
  } finally {
    await rig.close();
    await hook.close();
    await rm(work, { recursive: true, force: true });
  }
});

/** A restic killed mid-backup leaves its lock; a locks job sees it, unlock clears it. */
async function lockScenario(
  rig: BackupRig,
  o: { work: string; repositoryId: string; hostId: string },
) {
  const { repositoryId, hostId } = o;
  const big = join(o.work, "big");
  await writeTree(big, { files: 40, fileSize: 512 * 1024, seed: 3 });
  const slow = await rig.createPlan({
    name: "slow",
    repositoryId,
    target: { type: "host", hostId },
    sources: [big],
    limits: { uploadKiB: 1024 },
  });
  const [job] = await rig.run({ kind: "backup", planId: slow.id });
  const pid = await waitFor("restic to run the slow backup", () => resticFor(big), 30_000);
  // restic writes the lock as <id>-tmp-… and renames it: a kill before the rename leaves no lock.
  await waitFor("restic's lock file", async () => {
    return (await readdir(join(o.work, "repo", "locks"))).some((n) => /^[0-9a-f]{64}$/.test(n));
  }, 20_000);
  Deno.kill(pid, "SIGKILL");
  assert.equal((await rig.finish(job.id)).job.status, "failed");

  // A lock younger than the threshold is no alert; with a threshold of 1.8 s it is.
  await setRule(rig, "lock_held", { hours: 1 });
  const locks = { kind: "locks", repositoryId, hostId };
  const seen = await runOne(rig, locks, "ok");
  assert.equal((seen.result as { locks: unknown[] }).locks.length, 1, "the lock was left");
  assert.equal((await listAlerts(rig, { rule: "lock_held" })).length, 0);
  await setRule(rig, "lock_held", { hours: 0.0005 });
  const held = await waitAlert(rig, "lock_held", repositoryId, "open", 10_000);
  assert.match(held.message, /^A lock held by .+ \(pid \d+\) since /);
  assert.equal(held.link, `/repositories/${repositoryId}`);

  await runOne(rig, { kind: "unlock", repositoryId, hostId }, "ok");
  const after = await runOne(rig, locks, "ok");
  assert.deepEqual((after.result as { locks: unknown[] }).locks, []);
  assert.equal((await waitAlert(rig, "lock_held", repositoryId, "resolved")).id, held.id);
}
