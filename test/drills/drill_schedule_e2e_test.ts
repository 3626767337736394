/**
 * A drill schedule through the whole of Cairn with real restic: the real appliance process (its
 * drill ticker on the wall clock, ticking fast for the test) and a real agent. A schedule that
 * runs every minute fires a real drill that passes; after the repository's pack files are
 * damaged, the next scheduled drill fails and drill_failed opens, linking to the host.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AlertView } from "../../server/contract/alerts.ts";
import type { JobView } from "../../server/contract/backups.ts";
import type { DrillScheduleView, DrillsListView, DrillView } from "../../server/contract/drills.ts";
import { waitFor } from "../agents/procs.ts";
import { type BackupRig, startBackupRig } from "../e2e/backup_rig.ts";
import { testSecret } from "../helpers/log_capture.ts";
import { damageFiles } from "../tools/tree.ts";

/** Overwrites bytes in the middle of every file under `dir` (the repository's packs). */
/** The next drill of the host, other than those seen, once it has ended. */
async function nextEndedDrill(rig: BackupRig, hostId: string, seen: Set<string>) {
  return await waitFor("a scheduled drill to end", async () => {
    const { drills } = await rig.api<DrillsListView>("GET", `/api/drills?hostId=${hostId}`);
    const d = drills.find((x: DrillView) => !seen.has(x.job.id));
    if (!d || d.finishedAt === null) return null;
    seen.add(d.job.id);
    return d;
  }, 100_000);
}

Deno.test("restic: a scheduled drill passes, and after damage the next one fails and alerts", async () => {
  const work = await mkdtemp(join(tmpdir(), "cairn-drill-schedule-"));
  const rig = await startBackupRig({
    env: { CAIRN_DRILL_TICK_MS: "500", CAIRN_ALERT_TICK_MS: "1000" },
  });
  try {
    const hostId = rig.agents[0].hostId;
    const src = join(work, "src");
    await mkdir(join(src, "d"), { recursive: true });
    for (let i = 0; i < 6; i++) await writeFile(join(src, "d", `f${i}.bin`), randomBytes(30_000));
    const repoDir = join(work, "repo");
    const { repository } = await rig.createRepository({
      name: "drill-schedule",
      engine: "restic",
      location: { kind: "local", path: repoDir },
      passphrase: testSecret("drill-schedule-pass"),
    });
    const [init] = await rig.run({ kind: "init", repositoryId: repository.id, hostId });
    assert.equal((await rig.finish(init.id)).job.status, "ok");
    const plan = await rig.createPlan({
      name: "drill-schedule",
      repositoryId: repository.id,
      target: { type: "host", hostId },
      sources: [src],
    });
    const [backup] = await rig.run({ kind: "backup", planId: plan.id });
    assert.equal((await rig.finish(backup.id)).job.status, "ok");
    await waitFor("the index job to end", async () => {
      const { jobs } = await rig.api<{ jobs: JobView[] }>(
        "GET",
        `/api/jobs?repositoryId=${repository.id}&kind=index`,
      );
      return jobs.some((j) => j.status === "ok") ? true : null;
    }, 60_000);

    const { schedule } = await rig.api<{ schedule: DrillScheduleView }>(
      "POST",
      "/api/drill-schedules",
      {
        planId: plan.id,
        rule: { type: "cron", expression: "* * * * *" },
        timeZone: "UTC",
        sampleSize: 10,
      },
    );
    const seen = new Set<string>();
    const ok = await nextEndedDrill(rig, hostId, seen);
    assert.equal(ok.outcome, "ok", `${ok.message}`);
    assert.equal(ok.by, "schedule");
    assert.equal(ok.checked, 6);
    assert.equal(ok.mismatchCount, 0);
    const after = await rig.api<{ schedule: DrillScheduleView }>(
      "GET",
      `/api/drill-schedules/${schedule.id}`,
    );
    assert.equal(after.schedule.lastDrillId, ok.job.id);
    assert.equal(after.schedule.lastSkipReason, null);

    await damageFiles(join(repoDir, "data"));
    const bad = await nextEndedDrill(rig, hostId, seen);
    assert.equal(bad.outcome, "failed", JSON.stringify(bad));
    assert.equal(bad.by, "schedule");
    console.log(`scheduled drill after damage: ${bad.message}`);
    const alert = await waitFor("drill_failed to open", async () => {
      const { alerts } = await rig.api<{ alerts: AlertView[] }>(
        "GET",
        "/api/alerts?rule=drill_failed&state=open",
      );
      return alerts[0] ?? null;
    }, 10_000);
    assert.equal(alert.jobId, bad.job.id);
    assert.equal(alert.link, `/hosts/${hostId}`);
    assert.equal(alert.severity, "critical");
    assert.match(alert.title, /Restore drill failed on /);
  } finally {
    await rig.close();
    await rm(work, { recursive: true, force: true });
  }
});
