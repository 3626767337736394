/**
 * Restore drills through the whole of Cairn, with real restic and borg: the real appliance
 * process and a real agent. A backup (with a canary file) is indexed by the index job that
 * follows it; a drill then restores a sample into a scratch directory, checks it, and passes with
 * its figures, a live file changed since the backup being skipped rather than counted. After the
 * repository's data files are damaged, the next drill fails with a plain sentence and leaves a
 * `drill.failed` audit entry.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobView } from "../server/contract/backups.ts";
import type { DrillResult, LastVerifiedView } from "../server/contract/drills.ts";
import { waitFor } from "./agents/procs.ts";
import { type BackupRig, startBackupRig } from "./e2e/backup_rig.ts";
import { testSecret } from "./helpers/log_capture.ts";
import { damageFiles } from "./tools/tree.ts";

const FILES = 10;

async function writeFixture(src: string): Promise<number> {
  let total = 0;
  for (let i = 0; i < FILES; i++) {
    const dir = join(src, `d${i % 3}`);
    await mkdir(dir, { recursive: true });
    const bytes = randomBytes(20_000 + i * 3_000);
    total += bytes.length;
    await writeFile(join(dir, `f${i}.bin`), bytes);
  }
  return total;
}

async function indexJobsDone(rig: BackupRig, repositoryId: string) {
  await waitFor("the index job to end", async () => {
    const { jobs } = await rig.api<{ jobs: JobView[] }>(
      "GET",
      `/api/jobs?repositoryId=${repositoryId}&kind=index`,
    );
    const ended = jobs.filter((j) => !["queued", "sent", "running"].includes(j.status));
    if (ended.length && ended[0].status !== "ok") throw new Error("the index job failed");
    return ended.length >= 1 ? ended : null;
  }, 60_000);
}

/** Overwrites bytes in the middle of every file under `dir` (the repository's data). */
async function drill(rig: BackupRig, body: Record<string, unknown>) {
  const { jobs } = await rig.api<{ jobs: JobView[] }>("POST", "/api/drills", body);
  return (await rig.finish(jobs[0].id, 120_000)).job;
}

async function latestAfter(rig: BackupRig, hostId: string, jobId: string) {
  return await waitFor("the drill's figures", async () => {
    const v = await rig.api<LastVerifiedView>("GET", `/api/hosts/${hostId}/drills/latest`);
    return v.latest?.job.id === jobId ? v : null;
  }, 10_000);
}

async function scenario(engine: "restic" | "borg") {
  const work = await mkdtemp(join(tmpdir(), `cairn-drill-${engine}-`));
  const rig = await startBackupRig();
  try {
    const hostId = rig.agents[0].hostId;
    const src = join(work, "src");
    const total = await writeFixture(src);
    const canary = join(work, "canary", ".cairn-canary");
    await mkdir(join(work, "canary"));
    await writeFile(canary, "cairn canary\n");
    const repoDir = join(work, "repo");
    const { repository } = await rig.createRepository({
      name: `drill-${engine}`,
      engine,
      location: { kind: "local", path: repoDir },
      passphrase: testSecret(`drill-${engine}-pass`),
    });
    const [init] = await rig.run({ kind: "init", repositoryId: repository.id, hostId });
    assert.equal((await rig.finish(init.id)).job.status, "ok");
    const plan = await rig.createPlan({
      name: `drill-${engine}`,
      repositoryId: repository.id,
      target: { type: "host", hostId },
      sources: [src, canary],
    });
    const [backup] = await rig.run({ kind: "backup", planId: plan.id });
    assert.equal((await rig.finish(backup.id)).job.status, "ok");
    await indexJobsDone(rig, repository.id);
    // Changed since the backup: new bytes, same size, a new mtime. Not the backup's fault.
    await writeFile(join(src, "d0", "f0.bin"), randomBytes(20_000));

    const ok = await drill(rig, { hostId, planId: plan.id, sampleSize: 50 });
    assert.equal(ok.status, "ok", `${ok.message} ${ok.tail}`);
    const r = ok.result as unknown as DrillResult;
    assert.equal(r.checked, FILES + 1, "every file of the snapshot and the canary");
    assert.deepEqual(r.mismatches, []);
    assert.equal(r.bytes, total + 13);
    assert.equal(r.liveSkipped, 1, "the file changed since the backup is skipped");
    assert.equal(r.liveCompared, FILES, "the others (and the canary) are compared with the live");
    assert.ok(r.durationMs > 0 && r.throughput > 0, JSON.stringify(r));
    const scratch = join(rig.agents[0].stateDir, "jobs", "run");
    const left = (await readdir(scratch).catch(() => [])).filter((n) => n.includes(ok.id));
    assert.deepEqual(left, [], "the scratch directory is gone");
    const v = await latestAfter(rig, hostId, ok.id);
    assert.equal(v.latest?.outcome, "ok");
    assert.equal(v.lastOk?.job.id, ok.id);
    assert.equal(v.latest?.throughput, r.throughput);
    console.log(
      `${engine} drill: ${r.checked} files, ${r.bytes} bytes in ${r.durationMs} ms ` +
        `(${Math.round(r.throughput / 1024)} KiB/s)`,
    );

    await damageFiles(join(repoDir, "data"));
    const bad = await drill(rig, { hostId, planId: plan.id, sampleSize: 50 });
    assert.equal(bad.status, "failed", `${bad.message} ${bad.tail}`);
    assert.match(bad.message ?? "", /\d+ of 11 files did not match the snapshot/);
    console.log(`${engine} damaged: ${bad.message}`);
    const leftBad = (await readdir(scratch).catch(() => [])).filter((n) => n.includes(bad.id));
    assert.deepEqual(leftBad, [], "the scratch directory is gone after a failed drill too");
    const after = await latestAfter(rig, hostId, bad.id);
    assert.equal(after.latest?.outcome, "failed");
    assert.equal(after.lastOk?.job.id, ok.id, "the last verified restore is still the good one");
    assert.equal(after.trend.length, 2);
    const audit = await rig.api<{ entries: Array<{ action: string; target: unknown }> }>(
      "GET",
      "/api/audit?action=drill.failed",
    );
    assert.equal(audit.entries.length, 1, JSON.stringify(audit));
  } finally {
    await rig.close();
    await rm(work, { recursive: true, force: true });
  }
}

Deno.test("restic: a drill passes with its figures, and fails once the repository is damaged", () =>
  scenario("restic"));
Deno.test("borg: a drill passes with its figures, and fails once the repository is damaged", () =>
  scenario("borg"));
