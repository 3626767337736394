/**
 * The listing upload at scale, on the real appliance process: an enrolled agent's uploader (in a
 * process of its own) streams a generated 1,000,000-entry `restic ls --json` listing to an index
 * job; the appliance indexes it all, and the agent's memory stays flat (< 80 MB RSS). Also what
 * the upload route refuses: another host's job, a job that is not an index job, a bad header.
 */
import assert from "node:assert/strict";
import Database from "libsql";
import { join } from "node:path";
import type { IndexedSnapshotView, IndexQueuedView } from "../server/contract/index_api.ts";
import { PROJECT_ROOT } from "../server/paths.ts";
import { enrollApproved, removeDirs, startAppliance, tempDir } from "./agents/procs.ts";
import { testSecret } from "./helpers/log_capture.ts";

const ENTRIES = 1_000_000;

async function uploadAsAgent(stateDir: string, jobId: string, entries: number) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/bench/index_upload_agent.ts", stateDir, jobId, String(entries)],
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const err = new TextDecoder().decode(out.stderr);
  if (!out.success) return { failed: err.split("\n").filter((l) => /Error/.test(l)).join("\n") };
  return JSON.parse(text.trim().split("\n").at(-1)!) as {
    result: { entries: number; directories: number; skipped: number };
    ms: number;
    bytes: number;
    rssBefore: number;
    peakRss: number;
  };
}

Deno.test("a 1,000,000-entry listing streams into the index with the agent's memory flat", async () => {
  const appliance = await startAppliance();
  const stateDir = await tempDir("cairn-index-upload-");
  const other = await tempDir("cairn-index-other-");
  try {
    const hostId = await enrollApproved(appliance, stateDir);
    await enrollApproved(appliance, other);
    const created = await appliance.admin.json<{ repository: { id: string } }>(
      "POST",
      "/api/repositories",
      {
        name: "bench",
        engine: "restic",
        location: { kind: "local", path: join(stateDir, "repo") },
        passphrase: testSecret("index-upload-pass"),
      },
    );
    const repositoryId = created.body.repository.id;
    // The snapshot as a listing would have put it in the cache (no million-file backup needed).
    const db = new Database(join(appliance.dataDir, "cairn.db"));
    db.exec("PRAGMA busy_timeout = 5000");
    db.prepare(
      `INSERT INTO snapshots (repository_id, snapshot_id, short_id, time, hostname, host_id,
        refresh_id) VALUES (?, ?, ?, ?, 'bench', ?, 'job_00000000000000000000000000')`,
    ).run(repositoryId, "ab".repeat(32), "abababab", Date.UTC(2026, 10, 1), hostId);
    db.close();

    const queued = await appliance.admin.json<IndexQueuedView>("POST", "/api/index", {
      repositoryId,
      snapshotId: "abababab",
    });
    assert.equal(queued.status, 202);
    const jobId = queued.body.jobs[0].id;

    const stranger = await uploadAsAgent(other, jobId, 10);
    assert.ok("failed" in stranger && /not found/i.test(stranger.failed!), "another host's job");

    const r = await uploadAsAgent(stateDir, jobId, ENTRIES);
    assert.ok(!("failed" in r), JSON.stringify(r));
    const ok = r as Exclude<typeof r, { failed: string }>;
    assert.equal(ok.result.entries, ENTRIES);
    assert.equal(ok.result.skipped, 0);
    const mb = (n: number) => Math.round(n / 1e5) / 10;
    console.log(
      `listing upload: ${ENTRIES} entries, ${mb(ok.bytes)} MB in ${Math.round(ok.ms)} ms = ${
        Math.round(ENTRIES / ok.ms * 1000)
      } entries/s end to end; agent RSS ${mb(ok.rssBefore)} MB before, ${mb(ok.peakRss)} MB peak`,
    );
    assert.ok(ok.peakRss < 80e6, `agent peak RSS ${mb(ok.peakRss)} MB`);

    const { body } = await appliance.admin.json<{ snapshots: IndexedSnapshotView[] }>(
      "GET",
      `/api/index/snapshots?repositoryId=${repositoryId}`,
    );
    assert.equal(body.snapshots.length, 1);
    assert.equal(body.snapshots[0].snapshotId, "ab".repeat(32), "known by restic's full id");
    assert.equal(body.snapshots[0].entries, ENTRIES);
    assert.equal(body.snapshots[0].hostId, hostId);
  } finally {
    await appliance.stop();
    await removeDirs(stateDir, other);
  }
});
