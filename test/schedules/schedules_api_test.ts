/**
 * The schedules API through the app with a real libSQL file: validation (bad cron, bad zone,
 * unknown fields: 400 with the one error shape, the input never echoed), a schedule on a
 * disabled plan (409), roles, preview across a DST change, pause, and a little fuzz.
 */
import assert from "node:assert/strict";
import type { SchedulePreview, ScheduleView } from "../../server/contract/schedules.ts";
import { PAUSED_INDEFINITELY } from "../../server/contract/schedules.ts";
import { approvedHost, insertPlan, insertRepository, jobsContext } from "../jobs_fixture.ts";

type Err = { error: { code: string; message: string } };

function assertError(r: { status: number; body: unknown }, status: number, code?: string) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  const e = (r.body as Err).error;
  assert.equal(typeof e.message, "string");
  if (code) assert.equal(e.code, code);
  return e.message;
}

Deno.test("schedules API: validation, disabled plan, duplicates, roles, update and delete", async () => {
  const { t, admin, operator, viewer } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const repo = await insertRepository(t, { name: "r" });
    const planId = await insertPlan(t, { name: "p", repositoryId: repo, hostId: a.hostId });
    const base = { planId, kind: "backup", rule: { type: "daily", at: "02:30" }, timeZone: "UTC" };
    const post = (body: unknown, c = operator) => c.json("POST", "/api/schedules", { body });

    const marker = "zz-not-echoed-61";
    let msg = assertError(
      await post({ ...base, rule: { type: "cron", expression: `61 * * * * ${marker}` } }),
      400,
      "invalid_input",
    );
    assert.ok(!msg.includes(marker), msg);
    msg = assertError(
      await post({ ...base, rule: { type: "cron", expression: "61 * * * *" } }),
      400,
    );
    assert.match(msg, /minute field/);
    msg = assertError(
      await post({ ...base, rule: { type: "cron", expression: "0 0 30 2 *" } }),
      400,
    );
    assert.match(msg, /never comes/);
    msg = assertError(await post({ ...base, timeZone: `Mars/${marker}` }), 400, "invalid_input");
    assert.ok(!msg.includes(marker));
    assertError(await post({ ...base, rule: { type: "every", hours: 5, minute: 0 } }), 400);
    assertError(await post({ ...base, rule: { type: "daily", at: "24:00" } }), 400);
    assertError(await post({ ...base, [marker]: 1 }), 400);
    assertError(await post({ ...base, kind: "compact" }), 400); // restic has no compact
    assertError(await post(base, viewer), 403);
    assertError(await post({ ...base, planId: "pln_00000000000000000000000000" }), 404);

    await t.db.updateTable("plans").set({ enabled: 0 }).where("id", "=", planId).execute();
    msg = assertError(await post(base), 409, "plan_disabled");
    assert.match(msg, /plan is disabled/);
    const off = await post({ ...base, enabled: false });
    assert.equal(off.status, 201, "a disabled schedule on a disabled plan is kept");
    const offId = (off.body as { schedule: ScheduleView }).schedule.id;
    assertError(
      await operator.json("PATCH", `/api/schedules/${offId}`, { body: { enabled: true } }),
      409,
      "plan_disabled",
    );
    await operator.json("DELETE", `/api/schedules/${offId}`);
    await t.db.updateTable("plans").set({ enabled: 1 }).where("id", "=", planId).execute();
    assert.equal((await t.db.selectFrom("schedules").selectAll().execute()).length, 0);

    const made = await post({ ...base, timeZone: "Europe/Berlin", jitterMinutes: 10 });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const s = (made.body as { schedule: ScheduleView }).schedule;
    assert.equal(s.cron, "30 2 * * *");
    assert.equal(s.description, "Every day at 02:30 (Europe/Berlin)");
    assert.equal(s.nextRuns.length, 5);
    assert.equal(s.nextRuns[0], "2026-11-02T01:30:00.000Z"); // the test clock: 1 Nov 12:00Z
    assert.deepEqual(s.hosts.map((h) => h.hostId), [a.hostId]);
    assertError(await post(base), 409, "schedule_exists");

    const list = await viewer.json<{ schedules: ScheduleView[] }>(
      "GET",
      `/api/schedules?planId=${planId}`,
    );
    assert.equal(list.body.schedules.length, 1);
    assertError(await viewer.json("GET", `/api/schedules?planId=${marker}`), 400);
    const byHost = await viewer.json<{ schedules: ScheduleView[] }>(
      "GET",
      `/api/schedules?hostId=${a.hostId}`,
    );
    assert.equal(byHost.body.schedules.length, 1);

    const patched = await operator.json<{ schedule: ScheduleView }>(
      "PATCH",
      `/api/schedules/${s.id}`,
      { body: { rule: { type: "weekly", days: [1, 4], at: "21:00" } } },
    );
    assert.equal(patched.status, 200);
    assert.equal(patched.body.schedule.cron, "0 21 * * 1,4");
    assertError(
      await operator.json("PATCH", `/api/schedules/${s.id}`, {
        body: { rule: { type: "cron", expression: "* * * * * *" } },
      }),
      400,
    );
    assertError(await viewer.json("DELETE", `/api/schedules/${s.id}`), 403);
    const audit = await t.db.selectFrom("audit_log").select(["action", "details"])
      .where("action", "like", "schedule.%").execute();
    assert.deepEqual(audit.map((x) => x.action).sort(), [
      "schedule.created",
      "schedule.created",
      "schedule.deleted",
      "schedule.updated",
    ]);
    assert.equal((await operator.json("DELETE", `/api/schedules/${s.id}`)).status, 204);
    assertError(await viewer.json("GET", `/api/schedules/${s.id}`), 404);
  } finally {
    await t.close();
  }
});

Deno.test("preview: plain words and the next runs across Berlin's spring-forward day", async () => {
  const { t, viewer } = await jobsContext();
  try {
    t.clock.set(Date.parse("2026-03-27T12:00:00Z"));
    const r = await viewer.json<SchedulePreview>("POST", "/api/schedules/preview", {
      body: { rule: { type: "daily", at: "02:30" }, timeZone: "Europe/Berlin", count: 3 },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, {
      cron: "30 2 * * *",
      description: "Every day at 02:30 (Europe/Berlin)",
      nextRuns: [
        "2026-03-28T01:30:00.000Z",
        "2026-03-29T01:00:00.000Z",
        "2026-03-30T00:30:00.000Z",
      ],
    });
    assertError(
      await viewer.json("POST", "/api/schedules/preview", {
        body: { rule: { type: "cron", expression: "0 3 * *" }, timeZone: "UTC" },
      }),
      400,
    );
    assertError(
      await viewer.json("POST", "/api/schedules/preview", {
        body: { rule: { type: "hourly", minute: 0 }, timeZone: "UTC", count: 21 },
      }),
      400,
    );
  } finally {
    await t.close();
  }
});

Deno.test("pause a plan for hours, until tomorrow, until resumed; nextRuns empty meanwhile", async () => {
  const { t, admin, operator, viewer } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const repo = await insertRepository(t, { name: "r" });
    const planId = await insertPlan(t, { name: "p", repositoryId: repo, hostId: a.hostId });
    const made = await operator.json<{ schedule: ScheduleView }>("POST", "/api/schedules", {
      body: { planId, kind: "backup", rule: { type: "hourly", minute: 5 }, timeZone: "UTC" },
    });
    const id = made.body.schedule.id;
    const pause = (body: unknown, c = operator) =>
      c.json<{ pause: { pausedUntil: string | null } }>("POST", `/api/plans/${planId}/pause`, {
        body,
      });
    assertError(await pause({ for: "hours", hours: 4 }, viewer), 403);
    assertError(await pause({ for: "hours", hours: 0 }), 400);
    assertError(await pause({ for: "weeks" }), 400);
    let r = await pause({ for: "hours", hours: 4 });
    assert.equal(r.body.pause.pausedUntil, new Date(t.clock.now() + 4 * 3600_000).toISOString());
    let v = await viewer.json<{ schedule: ScheduleView }>("GET", `/api/schedules/${id}`);
    assert.deepEqual(v.body.schedule.nextRuns, []);
    assert.equal(v.body.schedule.pausedUntil, r.body.pause.pausedUntil);
    // The test clock stands at 2026-11-01 12:00Z: 06:00 tomorrow in Berlin is 05:00Z.
    r = await pause({ for: "tomorrow", timeZone: "Europe/Berlin" });
    assert.equal(r.body.pause.pausedUntil, "2026-11-02T05:00:00.000Z");
    r = await pause({ for: "indefinitely" });
    const row = await t.db.selectFrom("plans").select("paused_until").where("id", "=", planId)
      .executeTakeFirstOrThrow();
    assert.equal(row.paused_until, PAUSED_INDEFINITELY);
    r = await pause({ for: "resume" });
    assert.equal(r.body.pause.pausedUntil, null);
    v = await viewer.json<{ schedule: ScheduleView }>("GET", `/api/schedules/${id}`);
    assert.equal(v.body.schedule.nextRuns.length, 5);
    assertError(
      await operator.json("POST", "/api/plans/pln_00000000000000000000000000/pause", {
        body: { for: "resume" },
      }),
      404,
    );
  } finally {
    await t.close();
  }
});

Deno.test("fuzz: random schedule bodies get 201, 400, 404 or 409, never a 500", async () => {
  const { t, admin, operator } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const repo = await insertRepository(t, { name: "r" });
    const planId = await insertPlan(t, { name: "p", repositoryId: repo, hostId: a.hostId });
    const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
    const values = [
      null,
      -1,
      0,
      1.5,
      61,
      "",
      "x".repeat(300),
      "*/0 * * * *",
      "0 0 * * 8",
      "@weekly",
      "0-59/7 1-5 */3 jan-mar mon-fri",
      { type: "cron" },
      [],
      "Europe/Berlin",
      "../../etc",
    ];
    for (let i = 0; i < 150; i++) {
      const body: Record<string, unknown> = {
        planId: pick([planId, "pln_00000000000000000000000000", 7]),
        kind: pick(["backup", "prune", "check", "forget", "nope"]),
        rule: pick([
          { type: "cron", expression: pick(values) },
          { type: "daily", at: pick(["02:30", "2:30", 7, "23:59"]) },
          { type: "weekly", days: pick([[1], [], [7], [0, 6]]), at: "01:00" },
          { type: "monthly", day: pick([0, 1, 31, 32]), at: "03:00" },
          pick(values),
        ]),
        timeZone: pick(["UTC", "Europe/Berlin", "Nowhere/None", pick(values)]),
      };
      if (Math.random() < 0.3) body.jitterMinutes = pick([0, 5, 721, -3, "5"]);
      const r = await operator.json("POST", "/api/schedules", { body });
      assert.ok([201, 400, 404, 409].includes(r.status), `${r.status} ${JSON.stringify(body)}`);
      if (r.status !== 201) assert.equal(typeof (r.body as Err).error.message, "string");
      if (r.status === 201) {
        const id = (r.body as { schedule: ScheduleView }).schedule.id;
        assert.equal((await operator.json("DELETE", `/api/schedules/${id}`)).status, 204);
      }
    }
  } finally {
    await t.close();
  }
});
