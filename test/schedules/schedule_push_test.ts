/**
 * The push and the agent's answers, over the real agent protocol (signed command batches, sealed
 * secrets opened with the agent's key, report batches) and a real libSQL file: a version per
 * change and only per change, one undelivered document per host, drift, and the runs an agent
 * fired adopted as jobs (refused ones named, duplicates harmless, never dispatched).
 */
import assert from "node:assert/strict";
import { createUlidFactory } from "../../agent/ulid.ts";
import type { Command, Report } from "../../server/contract/agent.ts";
import type { HostScheduleState, ScheduleDocument } from "../../server/contract/schedules.ts";
import {
  approvedHost,
  insertPlan,
  insertRepository,
  jobsContext,
  PASSPHRASE,
  runJob,
  started,
} from "../jobs_fixture.ts";
import type { Ctx, FakeAgentSide } from "../jobs_fixture.ts";
import { createSchedulesRepo } from "../../server/schedules/repo.ts";

const puts = (cmds: Command[]) =>
  cmds.filter((c) => c.kind === "schedule.put").map((c) => c.args as unknown as ScheduleDocument);

async function pendingPuts(t: Ctx, hostId: string) {
  return await t.db.selectFrom("agent_commands").select(["id", "args"]).where(
    "host_id",
    "=",
    hostId,
  )
    .where("kind", "=", "schedule.put").where("acked_at", "is", null).execute();
}

async function state(t: Ctx, hostId: string): Promise<HostScheduleState> {
  return await t.services.schedules.hostState(hostId);
}

Deno.test("push: a version per change and only per change; drift until the agent applies it", async () => {
  const { t, admin, operator, viewer } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1", tags: ["web"] });
    const b = await approvedHost(t, admin, { name: "web2", tags: ["web"] });
    const repo = await insertRepository(t, { name: "r" });
    const planId = await insertPlan(t, { name: "p", repositoryId: repo, tag: "web" });
    await t.services.schedulePush.reconcile();
    // Nothing to run yet: no document (an agent without schedules is not bothered).
    assert.equal((await state(t, a.hostId)).pushedVersion, 0);
    assert.deepEqual(puts(await a.poll()), []);

    const made = await operator.json<{ schedule: { id: string } }>("POST", "/api/schedules", {
      body: {
        planId,
        kind: "backup",
        rule: { type: "daily", at: "02:30" },
        timeZone: "Europe/Berlin",
        jitterMinutes: 30,
      },
    });
    assert.equal(made.status, 201);
    const scheduleId = made.body.schedule.id;
    // The documents follow the answer in the background; wait for that push.
    await t.services.schedulePush.reconcile();
    const [doc] = puts(await a.poll());
    assert.equal(doc.version, 1);
    assert.equal(doc.hostId, a.hostId);
    assert.equal(doc.entries.length, 1);
    const e = doc.entries[0];
    assert.equal(e.cron, "30 2 * * *");
    assert.equal(e.timeZone, "Europe/Berlin");
    assert.ok(e.jitterSeconds >= 0 && e.jitterSeconds <= 30 * 60);
    assert.equal(e.spec.jobId, "job_schedule");
    assert.equal(e.spec.repository.passphrase.name, `sch-${scheduleId}-pass`);
    assert.equal(await a.open(e.spec.repository.passphrase), PASSPHRASE);
    assert.deepEqual(e.spec.plan?.sources, ["/etc", "/home"]);
    const [docB] = puts(await b.poll());
    assert.notEqual(docB.entries[0].jitterSeconds, undefined);

    // Nothing changed: reconciling again makes no version and queues nothing.
    for (let i = 0; i < 3; i++) {
      assert.equal((await t.services.schedulePush.reconcile()).pushed, 0);
      // A full comparison of every host's content (not only the stamp) agrees.
      assert.equal((await t.services.schedulePush.reconcile({ force: true })).pushed, 0);
    }
    assert.equal((await state(t, a.hostId)).pushedVersion, 1);
    assert.equal((await pendingPuts(t, a.hostId)).length, 1, "the delivered, unacknowledged one");

    // Two changes before the agent polls: one new version each, only the newest waits.
    await operator.json("PATCH", `/api/schedules/${scheduleId}`, { body: { catchUp: "skip" } });
    await t.services.schedulePush.reconcile();
    assert.equal((await state(t, a.hostId)).pushedVersion, 2);
    await operator.json("POST", `/api/plans/${planId}/pause`, { body: { for: "hours", hours: 4 } });
    await t.services.schedulePush.reconcile();
    assert.equal((await state(t, a.hostId)).pushedVersion, 3);
    const waiting = await pendingPuts(t, a.hostId);
    assert.equal(waiting.length, 1);
    const [latest] = puts(await a.poll());
    assert.equal(latest.version, 3);
    assert.equal(latest.entries[0].catchUp, "skip");
    assert.equal(latest.entries[0].pausedUntil, t.clock.now() + 4 * 3600_000);

    // A change to the plan through its own API reaches the document too.
    const r = await operator.json("PATCH", `/api/plans/${planId}`, {
      body: { sources: ["/srv"] },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await t.services.schedulePush.reconcile();
    assert.equal((await state(t, a.hostId)).pushedVersion, 4);
    assert.deepEqual(puts(await a.poll())[0].entries[0].spec.plan?.sources, ["/srv"]);

    // Drift: pushed 4, applied 0 → the agent says 3, then (late) 2: never backwards.
    let s = await state(t, a.hostId);
    assert.equal(s.drift, true);
    const applied = (version: number) => ({
      kind: "schedule.applied",
      jobId: null as unknown as string,
      body: { version, entries: 1, appliedAt: t.clock.now() },
    });
    await a.report([applied(3)]);
    await a.report([applied(2)]);
    s = await state(t, a.hostId);
    assert.equal(s.pushedVersion, 4);
    assert.equal(s.appliedVersion, 3);
    assert.equal(s.drift, true);
    await a.report([applied(4)]);
    const view = await viewer.json<{ state: HostScheduleState }>(
      "GET",
      `/api/hosts/${a.hostId}/schedule-state`,
    );
    assert.equal(view.status, 200);
    assert.equal(view.body.state.appliedVersion, 4);
    assert.equal(view.body.state.drift, false);

    // The host leaves the tag: its document empties (a version, so the agent drops the entry).
    const moved = await admin.json("PATCH", `/api/hosts/${b.hostId}`, { body: { tags: [] } });
    assert.ok([200, 204].includes(moved.status), JSON.stringify(moved.body));
    await t.services.schedulePush.reconcile();
    const emptied = puts(await b.poll()).pop()!;
    assert.equal(emptied.entries.length, 0);
  } finally {
    await t.close();
  }
});

Deno.test("repository-wide kinds run on one host: the plan's first tagged host by name", async () => {
  const { t, admin, operator } = await jobsContext();
  try {
    const b = await approvedHost(t, admin, { name: "b-host", tags: ["db"] });
    const a = await approvedHost(t, admin, { name: "a-host", tags: ["db"] });
    const repo = await insertRepository(t, { name: "r" });
    const planId = await insertPlan(t, { name: "p", repositoryId: repo, tag: "db" });
    const made = await operator.json<{ schedule: { id: string; runnerHostId: string | null } }>(
      "POST",
      "/api/schedules",
      {
        body: {
          planId,
          kind: "check",
          rule: { type: "weekly", days: [0], at: "04:00" },
          timeZone: "UTC",
        },
      },
    );
    assert.equal(made.status, 201);
    assert.equal(made.body.schedule.runnerHostId, a.hostId);
    await t.services.schedulePush.reconcile();
    assert.equal(puts(await a.poll()).pop()!.entries.length, 1);
    assert.deepEqual(puts(await b.poll()), [], "b runs nothing of it: no document");
  } finally {
    await t.close();
  }
});

function firedReport(
  ulid: () => string,
  f: { jobId: string; scheduleId: string; planId: string; repositoryId: string; at: number },
): Omit<Report, "seq"> {
  return {
    id: ulid(),
    kind: "job.scheduled",
    jobId: f.jobId,
    at: f.at,
    body: {
      scheduleId: f.scheduleId,
      planId: f.planId,
      repositoryId: f.repositoryId,
      kind: "backup",
      scheduleVersion: 1,
      scheduledFor: f.at - 5000,
      firedAt: f.at,
      catchUp: false,
      offline: true,
    },
  };
}

async function send(a: FakeAgentSide, reports: Array<Omit<Report, "seq">>, seq: { n: number }) {
  return await a.resend(reports.map((r) => ({ ...r, seq: seq.n++ })));
}

Deno.test("adoption: a fired run becomes a job in the batch that reports it; refusals named", async () => {
  const { t, admin, operator } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const other = await approvedHost(t, admin, { name: "web2" });
    const repo = await insertRepository(t, { name: "r" });
    const planId = await insertPlan(t, { name: "p", repositoryId: repo, hostId: a.hostId });
    const otherPlan = await insertPlan(t, { name: "q", repositoryId: repo, hostId: other.hostId });
    const made = await operator.json<{ schedule: { id: string } }>("POST", "/api/schedules", {
      body: { planId, kind: "backup", rule: { type: "hourly", minute: 0 }, timeZone: "UTC" },
    });
    const scheduleId = made.body.schedule.id;
    const ulid = createUlidFactory(() => t.clock.now());
    const jobId = `job_${ulid().toLowerCase()}`;
    const seq = { n: 1000 };
    const now = t.clock.now();
    const fired = firedReport(ulid, { jobId, scheduleId, planId, repositoryId: repo, at: now });
    const start = { id: ulid(), at: now, ...started(jobId) };
    const bad = [
      firedReport(ulid, {
        jobId: `job_${ulid().toLowerCase()}`,
        scheduleId,
        planId: "pln_00000000000000000000000000",
        repositoryId: repo,
        at: now,
      }),
      firedReport(ulid, {
        jobId: `job_${ulid().toLowerCase()}`,
        scheduleId,
        planId: otherPlan,
        repositoryId: repo,
        at: now,
      }),
      firedReport(ulid, {
        jobId: "job_not-a-ulid",
        scheduleId,
        planId,
        repositoryId: repo,
        at: now,
      }),
    ];
    const res = await send(a, [fired, start, ...bad], seq);
    assert.deepEqual(res.acked.sort(), [fired.id, start.id].sort());
    const reasons = new Map(res.refused.map((r) => [r.id, r.reason]));
    assert.match(reasons.get(bad[0].id)!, /Unknown plan/);
    assert.match(reasons.get(bad[1].id)!, /does not target this host/);
    assert.match(reasons.get(bad[2].id)!, /Malformed/);

    const row = await t.db.selectFrom("jobs").selectAll().where("id", "=", jobId)
      .executeTakeFirstOrThrow();
    assert.equal(row.host_id, a.hostId);
    assert.equal(row.trigger, "schedule");
    assert.equal(row.created_by, "schedule");
    assert.equal(row.schedule_id, scheduleId);
    assert.equal(row.scheduled_for, now - 5000);
    assert.equal(row.status, "running", "job.started in the same batch saw the adopted job");
    assert.equal(
      (await t.db.selectFrom("jobs").select("id").where("trigger", "=", "schedule").execute())
        .length,
      1,
      "refused runs made no row",
    );

    // The job's page, log and stream take the id the agent made.
    const page = await operator.json<{ id: string; status: string; trigger?: string }>(
      "GET",
      `/api/jobs/${jobId}`,
    );
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.equal(page.body.status, "running");
    assert.equal((await operator.json("GET", `/api/jobs/${jobId}/log`)).status, 200);
    // The same report again: acknowledged as a duplicate, still one job.
    const again = await send(a, [fired], seq);
    assert.deepEqual(again.refused, []);
    assert.equal(again.duplicates, 1);
    // A second run, not started yet: 'sent', and a restart does not take it for a lost command.
    const jobId2 = `job_${ulid().toLowerCase()}`;
    const fired2 = firedReport(ulid, {
      jobId: jobId2,
      scheduleId,
      planId,
      repositoryId: repo,
      at: now,
    });
    assert.deepEqual((await send(a, [fired2], seq)).refused, []);
    await t.services.jobs.start();
    assert.equal(
      (await t.db.selectFrom("jobs").select("status").where("id", "=", jobId2)
        .executeTakeFirstOrThrow()).status,
      "sent",
    );

    // It counts as the host's active job: a run-now waits, and nothing sends the adopted one.
    const [queued] = await runJob(operator, { kind: "backup", planId });
    const cmds = await a.poll();
    assert.ok(!cmds.some((c) => c.kind === "job.run"), "neither job is sent while it runs");
    assert.equal(
      (await t.db.selectFrom("jobs").select("status").where("id", "=", queued.id)
        .executeTakeFirstOrThrow()).status,
      "queued",
    );
    // Another host cannot report on it.
    const foreign = await other.resend([{ ...start, id: ulid(), seq: 1 }]);
    assert.match(foreign.refused[0]?.reason ?? "", /Unknown job/);
  } finally {
    await t.close();
  }
});

Deno.test("push stamp: moves with what documents are made of, not with a job's repository stats", async () => {
  const { t, admin } = await jobsContext();
  try {
    const repo = createSchedulesRepo(t.db);
    const a = await approvedHost(t, admin, { name: "web1" });
    const repositoryId = await insertRepository(t, { name: "r" });
    await insertPlan(t, { name: "p", repositoryId, hostId: a.hostId });
    const before = await repo.pushStamp();
    t.clock.advance(1000);
    await t.db.updateTable("repositories")
      .set({ stats: JSON.stringify({ totalSize: 1 }), updated_at: t.clock.now() })
      .where("id", "=", repositoryId).execute();
    assert.equal(await repo.pushStamp(), before, "a finished job's figures change no document");
    await t.db.updateTable("repositories")
      .set({ passphrase_sealed: t.services.secretBox.seal("another"), updated_at: t.clock.now() })
      .where("id", "=", repositoryId).execute();
    const afterPass = await repo.pushStamp();
    assert.notEqual(afterPass, before);
    await t.db.updateTable("hosts").set({ tags: '["x"]', updated_at: t.clock.now() })
      .where("id", "=", a.hostId).execute();
    assert.notEqual(await repo.pushStamp(), afterPass);
  } finally {
    await t.close();
  }
});
