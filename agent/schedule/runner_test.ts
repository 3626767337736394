/**
 * The scheduler with the real job runner and real restic on a local repository: a fired run is
 * announced before it starts, runs like any job, blocks its entry's next run while it goes, and
 * is not queued twice.
 */
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { JobSpec } from "../../server/contract/jobs.ts";
import type { ScheduleEntry } from "../../server/contract/schedules.ts";
import { testSecret } from "../../test/helpers/log_capture.ts";
import { makeSpec, runToEnd, withRunner } from "../../test/runner/fixture.ts";
import { writeTree } from "../../test/tools/tree.ts";
import { nextRun } from "./decide.ts";
import { createScheduler } from "./scheduler.ts";
import { createScheduleStore } from "./store.ts";

const PASSWORD = testSecret("sched-runner-pw");

Deno.test("a fired run goes through the real runner once, announced first; the next waits for it", async () => {
  await withRunner(async (f) => {
    const repo = join(f.dir, "repo");
    const src = join(f.dir, "src");
    await mkdir(src);
    await writeTree(src, { files: 20, fileSize: 64 * 1024 });
    const base = {
      engine: "restic" as const,
      location: { kind: "local" as const, path: repo },
      passphrase: PASSWORD,
    };
    assert.equal(
      (await runToEnd(f, await makeSpec(f, { ...base, jobId: "job_init", kind: "init" }))).status,
      "ok",
    );
    const spec = await makeSpec(f, {
      ...base,
      jobId: "job_schedule",
      kind: "backup",
      plan: { sources: [src] },
    }) as unknown as JobSpec;
    const clock = { t: Date.parse("2026-05-01T00:59:30Z") };
    const scheduler = createScheduler({
      store: createScheduleStore(f.stateDir),
      outbox: f.outbox,
      runner: f.runner,
      hostId: "hst_web1",
      log: () => {},
      next: nextRun,
      online: () => false,
      now: () => clock.t,
      timer: { set: () => 0, clear: () => {} },
    });
    await scheduler.start();
    const entry: ScheduleEntry = {
      scheduleId: "sch_1",
      planId: "pln_daily",
      kind: "backup",
      cron: "0 * * * *",
      timeZone: "UTC",
      jitterSeconds: 0,
      catchUp: "once",
      pausedUntil: null,
      spec,
    };
    await scheduler.put({ version: 1, hostId: "hst_web1", issuedAt: 1, entries: [entry] });
    clock.t = Date.parse("2026-05-01T01:00:00Z");
    await scheduler.tick();
    const first = scheduler.states().sch_1.lastJobId!;
    assert.ok(f.runner.isActive(first), "the run is queued or running");
    clock.t = Date.parse("2026-05-01T02:00:00Z");
    await scheduler.tick();
    assert.equal(scheduler.states().sch_1.lastJobId, first, "02:00 passed over: 01:00 still goes");
    const again = await f.runner.enqueueLocal({ ...spec, jobId: first });
    assert.deepEqual([again.accepted, again.duplicate], [false, true]);
    await f.runner.idle();
    const kinds = f.reports(first).map((r) => r.kind);
    assert.equal(kinds[0], "job.scheduled");
    assert.equal(kinds[1], "job.started");
    assert.equal(f.finished(first).status, "ok");
    assert.equal(kinds.filter((k) => k === "job.scheduled").length, 1);
    const announced = f.reports(first)[0].body;
    assert.equal(announced.offline, true);
    assert.equal(announced.repositoryId, "rep_1");

    clock.t = Date.parse("2026-05-01T03:00:10Z");
    await scheduler.tick();
    const second = scheduler.states().sch_1.lastJobId!;
    assert.notEqual(second, first);
    await f.runner.idle();
    assert.equal(f.finished(second).status, "ok");
    await scheduler.stop();
  });
});
