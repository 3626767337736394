/**
 * Drill schedules in process, on a real libSQL file with the real snapshot index and agents
 * speaking the real protocol, with the appliance's clock moved by hand: the API refuses bad
 * input with nothing written; the ticker starts a drill once when its run comes, not again, once
 * after a long gap, and records a skipped attempt for an offline host; drill_failed opens when a
 * scheduled drill fails and resolves when the next passes; drill_overdue opens once a run is
 * more than graceHours late without a passing drill, and resolves when one passes.
 */
import assert from "node:assert/strict";
import type { AlertView } from "../../server/contract/alerts.ts";
import type { DrillScheduleView } from "../../server/contract/drills.ts";
import type { Entry } from "../../server/snapshot_index/entry.ts";
import { createSnapshotIndexRepo } from "../../server/snapshot_index/repo.ts";
import { createSnapshotIndexService } from "../../server/snapshot_index/service.ts";
import { createUlidFactory } from "../../agent/ulid.ts";
import { testAgent } from "../agents/inproc.ts";
import { type Ctx, finished, insertRepository, jobsContext } from "../jobs_fixture.ts";
import type { TestClient } from "../helpers/app.ts";

const SNAP = "c0ffee00".padEnd(64, "3");
const MTIME = 1_700_000_000_000;

const file = (path: string, size: number): Entry => ({
  path,
  type: "file",
  size,
  mtime: MTIME + size,
  mode: 0o644,
  linkTarget: null,
  uid: 0,
  gid: 0,
  user: "root",
  group: "root",
});
const dir = (path: string): Entry => ({ ...file(path, 0), type: "dir", mode: 0o755 });

/**
 * An approved agent speaking the real protocol that signs in afresh for each call, so the
 * appliance's clock can move by days between calls (a session would expire).
 */
async function agentSide(t: Ctx, admin: TestClient, name: string, tags: string[] = []) {
  const agent = await testAgent(t);
  const { hostId } = await agent.enroll();
  const r = await admin.json("POST", `/api/hosts/${hostId}/approve`, { body: { name, tags } });
  assert.equal(r.status, 200);
  const ulid = createUlidFactory();
  let seq = 1;
  return {
    hostId,
    /** A heartbeat now: the host counts as online. */
    async heartbeat() {
      const session = await agent.session();
      await agent.client.heartbeat(session.token, {
        sentAt: t.clock.now(),
        outboxDepth: 0,
        droppedLogs: 0,
        uptimeSeconds: 1,
      });
    },
    async report(item: { kind: string; jobId: string; body: Record<string, unknown> }) {
      const session = await agent.session();
      const res = await agent.client.postReports(session.token, [
        { id: ulid(), seq: seq++, at: t.clock.now(), ...item },
      ]);
      assert.deepEqual(res.refused, []);
    },
  };
}

async function setUp() {
  const c = await jobsContext();
  const web1 = await agentSide(c.t, c.admin, "web1", ["db"]);
  const web2 = await agentSide(c.t, c.admin, "web2", ["db"]);
  const repositoryId = await insertRepository(c.t, { name: "main" });
  const plan = async (name: string, enabled: number, tag?: string) => {
    const id = `pln_01j${name.padEnd(23, "a")}`;
    await c.t.db.insertInto("plans").values({
      id,
      name,
      repository_id: repositoryId,
      target_host_id: tag ? null : web1.hostId,
      target_tag: tag ?? null,
      sources: JSON.stringify(["/srv/app"]),
      excludes: "[]",
      exclude_if_present: "[]",
      one_file_system: 0,
      compression: null,
      tags: "[]",
      limits: "{}",
      retention: "{}",
      hooks_sealed: null,
      enabled,
      created_by: "test",
      created_at: 1,
      updated_at: 1,
    }).execute();
    return id;
  };
  const planId = await plan("app", 1);
  const offPlanId = await plan("off", 0);
  const tagPlanId = await plan("dbs", 1, "db");
  await c.t.db.insertInto("snapshots").values({
    repository_id: repositoryId,
    snapshot_id: SNAP,
    short_id: SNAP.slice(0, 8),
    time: MTIME,
    hostname: "web1",
    host_id: web1.hostId,
    plan_id: planId,
    paths: JSON.stringify(["/srv/app"]),
    tags: "[]",
    size_bytes: null,
    file_count: null,
    refresh_id: "job_0",
  }).execute();
  const index = createSnapshotIndexService({
    repo: createSnapshotIndexRepo(c.t.db),
    clock: c.t.clock,
  });
  await index.ingestSnapshot({
    snapshot: {
      id: `${repositoryId}/${SNAP}`,
      hostId: web1.hostId,
      repositoryId,
      tool: "restic",
      toolSnapshotId: SNAP,
      time: MTIME,
    },
    entries: [dir("/srv"), dir("/srv/app"), ...[1, 2, 3].map((i) => file(`/srv/app/f${i}`, i))],
  });
  const drills =
    async () => (await c.t.db.selectFrom("drills").select(["job_id", "created_by"]).orderBy(
      "created_at",
    )
      .execute());
  /** A viewer signed in now (the clock moves by days; sessions end). */
  const freshViewer = async () => {
    const v = c.t.client();
    const r = await v.json("POST", "/api/auth/login", {
      body: { username: "viewer", password: "correct horse battery" },
    });
    assert.equal(r.status, 200);
    return v;
  };
  const alerts = async (rule: string) => {
    const r = await (await freshViewer()).json<{ alerts: AlertView[] }>(
      "GET",
      `/api/alerts?rule=${rule}`,
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.alerts;
  };
  return {
    ...c,
    web1,
    web2,
    repositoryId,
    planId,
    offPlanId,
    tagPlanId,
    drills,
    alerts,
    freshViewer,
  };
}

type S = Awaited<ReturnType<typeof setUp>>;

async function create(s: S, body: Record<string, unknown>) {
  const r = await s.operator.json<{ schedule: DrillScheduleView }>(
    "POST",
    "/api/drill-schedules",
    { body },
  );
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.schedule;
}

/** The agent reports the drill as finished, with the given outcome. */
async function finishDrill(s: S, jobId: string, ok: boolean) {
  await s.web1.report(finished(jobId, {
    status: ok ? "ok" : "failed",
    exitCode: ok ? 0 : null,
    failureCode: ok ? null : "unknown",
    message: ok ? null : "1 of 3 files did not match the snapshot",
    result: { checked: 3, mismatches: [], bytes: 6, durationMs: 5, throughput: 1200 },
  }));
}

const daily3 = { rule: { type: "daily", at: "03:00" }, timeZone: "UTC" };

Deno.test("drill schedules API: bad input refused with the reason, nothing written", async () => {
  const s = await setUp();
  try {
    const host = { hostId: s.web1.hostId, ...daily3 };
    const nobody = "hst_01jzzzzzzzzzzzzzzzzzzzzzzz";
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ ...host, rule: { type: "daily", at: "25:00" } }, 400, "invalid_input"],
      [{ ...host, rule: { type: "cron", expression: "0 0 31 2 *" } }, 400, "invalid_input"],
      [{ ...host, rule: { type: "cron", expression: "not cron" } }, 400, "invalid_input"],
      [{ ...host, timeZone: "Mars/Olympus" }, 400, "invalid_input"],
      [{ ...daily3 }, 400, "invalid_input"],
      [{ ...host, planId: s.planId }, 400, "invalid_input"],
      [{ ...host, sampleSize: 0 }, 400, "invalid_input"],
      [{ ...host, surprise: 1 }, 400, "invalid_input"],
      [{ ...host, hostId: nobody }, 404, "not_found"],
      [{ ...daily3, planId: "pln_01jzzzzzzzzzzzzzzzzzzzzzzz" }, 404, "not_found"],
      [{ ...host, targetHostId: nobody }, 404, "not_found"],
      [{ ...daily3, planId: s.offPlanId }, 409, "plan_disabled"],
    ];
    for (const [body, status, code] of cases) {
      const r = await s.operator.json<{ error: { code: string; message: string } }>(
        "POST",
        "/api/drill-schedules",
        { body },
      );
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code, JSON.stringify(body));
      assert.ok(!r.body.error.message.includes("Mars"), "rejected input is not echoed");
    }
    assert.equal((await s.viewer.json("POST", "/api/drill-schedules", { body: host })).status, 403);
    const none = await s.t.db.selectFrom("drill_schedules").select("id").execute();
    assert.deepEqual(none, []);

    const made = await create(s, { ...host, sampleSize: 5 });
    assert.equal(made.scope, "host");
    assert.equal(made.description, "Every day at 03:00 (UTC)");
    assert.equal(made.nextRuns[0], "2026-11-02T03:00:00.000Z");
    const again = await s.operator.json<{ error: { code: string } }>(
      "POST",
      "/api/drill-schedules",
      { body: host },
    );
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "drill_schedule_exists");
    // The disabled plan takes a disabled schedule, and refuses to enable it.
    const off = await create(s, { ...daily3, planId: s.offPlanId, enabled: false });
    assert.deepEqual(off.nextRuns, []);
    const enable = await s.operator.json<{ error: { code: string } }>(
      "PATCH",
      `/api/drill-schedules/${off.id}`,
      { body: { enabled: true } },
    );
    assert.equal(enable.status, 409);
    const bad = await s.operator.json("PATCH", `/api/drill-schedules/${made.id}`, {
      body: { timeZone: "Nowhere/Else" },
    });
    assert.equal(bad.status, 400);
    const patched = await s.operator.json<{ schedule: DrillScheduleView }>(
      "PATCH",
      `/api/drill-schedules/${made.id}`,
      { body: { rule: { type: "weekly", days: [1], at: "04:30" }, targetHostId: s.web2.hostId } },
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.schedule.targetHostName, "web2");
    assert.equal(patched.body.schedule.nextRuns[0], "2026-11-02T04:30:00.000Z");
    const listed = await s.viewer.json<{ schedules: DrillScheduleView[] }>(
      "GET",
      `/api/drill-schedules?hostId=${s.web1.hostId}`,
    );
    assert.deepEqual(listed.body.schedules.map((x) => x.id), [made.id]);
    assert.equal((await s.viewer.json("GET", "/api/drill-schedules?hostId=x")).status, 400);
    assert.equal(
      (await s.viewer.json("DELETE", `/api/drill-schedules/${made.id}`)).status,
      403,
    );
    assert.equal(
      (await s.operator.json("DELETE", `/api/drill-schedules/${made.id}`)).status,
      204,
    );
    assert.equal((await s.viewer.json("GET", `/api/drill-schedules/${made.id}`)).status, 404);
    const audit = (await s.t.db.selectFrom("audit_log").select("action")
      .where("action", "like", "drill_schedule.%").execute()).map((a) => a.action);
    assert.deepEqual(audit.sort(), [
      "drill_schedule.created",
      "drill_schedule.created",
      "drill_schedule.deleted",
      "drill_schedule.updated",
    ]);
  } finally {
    await s.t.close();
  }
});

Deno.test("drill ticker: once when due, not again, once after a long gap, offline skipped", async () => {
  const s = await setUp();
  try {
    const sched = await create(s, { planId: s.planId, ...daily3, sampleSize: 2 });
    const tick = () => s.t.services.drillScheduler.tick();
    assert.equal((await tick()).due, 0, "12:00: the 03:00 run has not come");
    s.t.clock.set(Date.UTC(2026, 10, 2, 3, 0, 10));
    await s.web1.heartbeat();
    const first = await tick();
    assert.equal(first.started.length, 1, JSON.stringify(first));
    assert.deepEqual((await s.drills()).map((d) => d.created_by), ["schedule"]);
    s.t.clock.advance(30_000);
    assert.equal((await tick()).due, 0, "the same slot does not run twice");
    await finishDrill(s, first.started[0], true);

    // Five days off: the missed runs are made up once.
    s.t.clock.set(Date.UTC(2026, 10, 7, 9, 0, 0));
    await s.web1.heartbeat();
    const gap = await tick();
    assert.equal(gap.started.length, 1, JSON.stringify(gap));
    assert.equal((await tick()).due, 0);
    assert.equal((await s.drills()).length, 2);
    await finishDrill(s, gap.started[0], true);

    // The next day the host has been silent for hours: skipped with the reason, no drill.
    s.t.clock.set(Date.UTC(2026, 10, 8, 3, 0, 5));
    const off = await tick();
    assert.equal(off.due, 1);
    assert.deepEqual(off.started, []);
    assert.deepEqual(off.skipped, ["web1: the host is offline"]);
    assert.equal((await s.drills()).length, 2);
    const view = await (await s.freshViewer()).json<{ schedule: DrillScheduleView }>(
      "GET",
      `/api/drill-schedules/${sched.id}`,
    );
    assert.equal(view.body.schedule.lastSkipReason, "web1: the host is offline");
    assert.equal(view.body.schedule.lastRunAt, "2026-11-08T03:00:05.000Z");
    assert.equal(view.body.schedule.nextRuns[0], "2026-11-09T03:00:00.000Z");
    const skippedAudit = await s.t.db.selectFrom("audit_log").select("action")
      .where("action", "=", "drill_schedule.skipped").execute();
    assert.equal(skippedAudit.length, 1);
  } finally {
    await s.t.close();
  }
});

Deno.test("drill alerts: a failed scheduled drill opens drill_failed, the next ok resolves", async () => {
  const s = await setUp();
  try {
    await create(s, { hostId: s.web1.hostId, ...daily3, sampleSize: 2 });
    s.t.clock.set(Date.UTC(2026, 10, 2, 3, 0, 10));
    await s.web1.heartbeat();
    const [failedJob] = (await s.t.services.drillScheduler.tick()).started;
    assert.ok(failedJob);
    await finishDrill(s, failedJob, false);
    await s.t.services.alertEngine.tick();
    const open = await s.alerts("drill_failed");
    assert.equal(open.length, 1, JSON.stringify(open));
    assert.equal(open[0].state, "open");
    assert.equal(open[0].severity, "critical");
    assert.equal(open[0].jobId, failedJob);
    assert.equal(open[0].link, `/hosts/${s.web1.hostId}`);
    assert.equal(open[0].subject, `${s.web1.hostId}/${s.planId}`, "the snapshot's plan");
    assert.match(open[0].message, /Plan app: 1 of 3 files did not match the snapshot/);

    s.t.clock.set(Date.UTC(2026, 10, 3, 3, 0, 10));
    await s.web1.heartbeat();
    const next = (await s.t.services.drillScheduler.tick()).started;
    assert.equal(next.length, 1);
    await finishDrill(s, next[0], true);
    await s.t.services.alertEngine.tick();
    const after = await s.alerts("drill_failed");
    assert.equal(after.length, 1);
    assert.equal(after[0].state, "resolved", "the drill that passed resolves it");
  } finally {
    await s.t.close();
  }
});

Deno.test("drill alerts: drill_overdue opens graceHours after a missed run, a pass resolves", async () => {
  const s = await setUp();
  try {
    await create(s, { hostId: s.web1.hostId, ...daily3, sampleSize: 2 });
    const judge = async () => {
      await s.t.services.drillScheduler.tick();
      await s.t.services.alertEngine.evaluateRules(["drill_overdue"]);
      return (await s.alerts("drill_overdue")).filter((a) => a.state !== "resolved");
    };
    // The run due at 03:00 on the 2nd is skipped (the host is silent); within the grace: calm.
    s.t.clock.set(Date.UTC(2026, 10, 3, 2, 59, 0));
    assert.deepEqual(await judge(), []);
    // 24 h after it was due, with no passing drill: overdue, with the skip reason.
    s.t.clock.set(Date.UTC(2026, 10, 3, 3, 0, 30));
    const open = await judge();
    assert.equal(open.length, 1, JSON.stringify(open));
    assert.equal(open[0].severity, "warning");
    assert.match(open[0].message, /2026-11-02T03:00:00\.000Z/);
    assert.match(open[0].message, /the host is offline/);
    // The host is back: the next tick's drill passes and the alert resolves.
    s.t.clock.set(Date.UTC(2026, 10, 4, 3, 0, 30));
    await s.web1.heartbeat();
    const next = (await s.t.services.drillScheduler.tick()).started;
    assert.equal(next.length, 1);
    await finishDrill(s, next[0], true);
    assert.deepEqual(await judge(), []);
    assert.equal((await s.alerts("drill_overdue"))[0].state, "resolved");
  } finally {
    await s.t.close();
  }
});

Deno.test("drill schedule of a tag plan: each tagged host skipped with its reason, each overdue", async () => {
  const s = await setUp();
  try {
    await create(s, { planId: s.tagPlanId, ...daily3 });
    s.t.clock.set(Date.UTC(2026, 10, 2, 3, 0, 10));
    await s.web1.heartbeat();
    const r = await s.t.services.drillScheduler.tick();
    assert.deepEqual(r.started, []);
    assert.deepEqual(r.skipped, [
      "web1: This host has no snapshot there to drill yet",
      "web2: the host is offline",
    ]);
    s.t.clock.set(Date.UTC(2026, 10, 3, 4, 0, 0));
    await s.t.services.alertEngine.evaluateRules(["drill_overdue"]);
    const open = await s.alerts("drill_overdue");
    assert.deepEqual(open.map((a) => a.hostName).sort(), ["web1", "web2"]);
    assert.ok(open.every((a) => a.planId === s.tagPlanId && a.state === "open"));
  } finally {
    await s.t.close();
  }
});
