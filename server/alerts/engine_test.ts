import assert from "node:assert/strict";
import { sql } from "kysely";
import type { AlertEvent } from "../contract/alerts.ts";
import { createTestClock, createTestContext } from "../../test/helpers/app.ts";
import {
  addHost,
  addJob,
  addPlan,
  addRepository,
  addSchedule,
  addSnapshot,
  seen,
  setPlanPaused,
  setRepository,
} from "../../test/alerts/fixture.ts";

const H = 3600_000;
const GiB = 1024 ** 3;

async function setup() {
  const clock = createTestClock();
  const t = await createTestContext({ clock });
  const events: AlertEvent[] = [];
  t.services.alertEngine.listen({ alertChanged: (e) => void events.push(e) });
  const at = clock.now();
  const repo = await addRepository(t.db, { name: "nas", at });
  const host = await addHost(t.db, { name: "web-1", at });
  await seen(t.db, host, at);
  const plan = await addPlan(t.db, { name: "nightly", repositoryId: repo, hostId: host, at });
  const open = async () => (await t.services.alerts.list({ state: "active", limit: 200 })).alerts;
  /** A job of web-1's nightly plan that ends now. */
  const job = (status: string, extra: { message?: string } = {}) =>
    addJob(t.db, {
      hostId: host,
      repositoryId: repo,
      planId: plan,
      status,
      at: clock.now(),
      ...extra,
    });
  return { t, clock, events, repo, host, plan, open, job, engine: t.services.alertEngine };
}

Deno.test("job_failed opens at once when a job ends, counts repeats, resolves on a later success", async () => {
  const s = await setup();
  try {
    const j1 = await s.job("failed", { message: "the repository is locked" });
    await s.engine.jobEnded(j1);
    let open = await s.open();
    assert.equal(open.length, 1);
    assert.equal(open[0].rule, "job_failed");
    assert.equal(open[0].subject, `${s.host}/${s.plan}/backup`);
    assert.equal(open[0].title, "Backup failed on web-1");
    assert.equal(open[0].message, "Plan nightly: the repository is locked");
    assert.equal(open[0].link, `/jobs/${j1}`);
    assert.equal(open[0].hostName, "web-1");
    assert.deepEqual(s.events.map((e) => [e.type, e.alert.rule]), [["opened", "job_failed"]]);

    s.clock.advance(60_000);
    const j2 = await s.job("failed");
    await s.engine.jobEnded(j2);
    open = await s.open();
    assert.equal(open.length, 1, "one open alert per rule and subject");
    assert.equal(open[0].count, 2);
    assert.equal(open[0].jobId, j2);
    assert.equal(s.events.length, 1, "a repeat is no new notice");

    // The database itself refuses a second open alert for the same rule and subject.
    await assert.rejects(() =>
      sql`INSERT INTO alerts (id, rule, subject, severity, state, title, message, link,
          opened_at, last_seen_at)
        VALUES ('alr_x', 'job_failed', ${open[0].subject}, 'warning', 'open', 't', 'm', '/',
          0, 0)`.execute(s.t.db)
    );

    s.clock.advance(60_000);
    const ok = await s.job("ok");
    await s.engine.jobEnded(ok);
    assert.equal((await s.open()).length, 0);
    assert.deepEqual(s.events.map((e) => e.type), ["opened", "resolved"]);
    const history = (await s.t.services.alerts.list({ state: "resolved", limit: 10 })).alerts;
    assert.equal(history[0].resolvedAt, new Date(s.clock.now()).toISOString());
  } finally {
    await s.t.close();
  }
});

Deno.test("failures_in_row opens at the third failure and resolves on a success", async () => {
  const s = await setup();
  try {
    const fail = async () => {
      s.clock.advance(60_000);
      const id = await s.job("failed");
      await s.engine.jobEnded(id);
    };
    await fail();
    await fail();
    assert.equal((await s.open()).filter((a) => a.rule === "failures_in_row").length, 0);
    await fail();
    const run = (await s.open()).filter((a) => a.rule === "failures_in_row");
    assert.equal(run.length, 1);
    assert.equal(run[0].severity, "critical");
    assert.match(run[0].title, /^3 backups in a row failed on web-1$/);
    s.clock.advance(60_000);
    await s.engine.jobEnded(await s.job("warning"));
    assert.equal((await s.open()).length, 0);
  } finally {
    await s.t.close();
  }
});

Deno.test("backup_stale follows the schedule's interval; paused plans and disabled schedules are not judged", async () => {
  const s = await setup();
  try {
    const laptop = await addHost(s.t.db, {
      name: "laptop",
      at: s.clock.now(),
      alwaysOnline: false,
    });
    const lp = await addPlan(s.t.db, {
      name: "home",
      repositoryId: s.repo,
      hostId: laptop,
      at: s.clock.now(),
    });
    await addSchedule(s.t.db, { planId: s.plan, cron: "0 2 * * *", at: s.clock.now() });
    await addSchedule(s.t.db, { planId: lp, cron: "0 * * * *", at: s.clock.now() });
    const manual = await addPlan(s.t.db, {
      name: "by-hand",
      repositoryId: s.repo,
      hostId: s.host,
      at: s.clock.now(),
    });
    await s.job("ok");
    await addJob(s.t.db, {
      hostId: laptop,
      repositoryId: s.repo,
      planId: lp,
      status: "ok",
      at: s.clock.now(),
    });
    const stale = async () =>
      (await s.open()).filter((a) => a.rule === "backup_stale").map((a) => a.planName).sort();

    // Hourly: 2 × 1 h + 1 h = 3 h. Daily: 2 × 24 h + 1 h = 49 h.
    s.clock.advance(2.9 * H);
    await s.engine.tick();
    assert.deepEqual(await stale(), []);
    s.clock.advance(0.2 * H);
    await s.engine.tick();
    assert.deepEqual(await stale(), ["home"], "a laptop is judged by staleness");
    const home = (await s.open()).find((a) => a.rule === "backup_stale")!;
    assert.match(
      home.message,
      /^Plan home: no successful backup within 3 h, from the schedule's 60 min interval \(last at /,
    );

    s.clock.advance(46 * H);
    await s.engine.tick();
    assert.deepEqual(await stale(), ["home", "nightly"]);
    assert.equal(
      (await s.open()).some((a) => a.planId === manual),
      false,
      "no schedule, no judgement",
    );

    await setPlanPaused(s.t.db, s.plan, s.clock.now() + 4 * H);
    await sql`UPDATE schedules SET enabled = 0 WHERE plan_id = ${lp}`.execute(s.t.db);
    await s.engine.tick();
    assert.equal((await stale()).length, 2, "judged at most every 5 minutes by ticks");
    s.clock.advance(5 * 60_000);
    await s.engine.tick();
    assert.deepEqual(await stale(), []);
    assert.equal(s.events.filter((e) => e.type === "resolved").length, 2);

    // Plans without a schedule are judged once the admin asks for it.
    await s.t.services.alerts.updateRule(
      { type: "user", id: null, name: "admin", ip: null },
      "backup_stale",
      { params: { factor: 2, graceMinutes: 60, unscheduledHours: 26 } },
    );
    assert.deepEqual(await stale(), ["by-hand"]);
  } finally {
    await s.t.close();
  }
});

Deno.test("host_offline spares laptops; host_pending, lock_held, check_failed and size_changed by state", async () => {
  const s = await setup();
  try {
    const laptop = await addHost(s.t.db, {
      name: "laptop",
      at: s.clock.now(),
      alwaysOnline: false,
    });
    await seen(s.t.db, laptop, s.clock.now());
    const pending = await addHost(s.t.db, { name: "new-box", at: s.clock.now(), state: "pending" });
    await setRepository(s.t.db, s.repo, {
      lastCheckStatus: "failed",
      lockState: {
        locked: true,
        // As a locks job stores them: `since` in ms.
        holders: [{ hostname: "web-1", pid: 42, since: s.clock.now() }],
      },
    });
    await addSnapshot(s.t.db, {
      repositoryId: s.repo,
      hostId: s.host,
      planId: s.plan,
      at: s.clock.now() - H,
      sizeBytes: GiB,
    });
    await addSnapshot(s.t.db, {
      repositoryId: s.repo,
      hostId: s.host,
      planId: s.plan,
      at: s.clock.now(),
      sizeBytes: 2.1 * GiB,
    });
    s.clock.advance(31 * 60_000);
    await s.engine.tick();
    const byRule = new Map((await s.open()).map((a) => [a.rule, a]));
    assert.equal(byRule.get("host_offline")?.hostId, s.host);
    assert.equal((await s.open()).filter((a) => a.rule === "host_offline").length, 1);
    assert.equal(byRule.get("host_pending")?.hostId, pending);
    assert.equal(byRule.get("check_failed")?.repositoryId, s.repo);
    assert.equal(byRule.has("lock_held"), false, "31 minutes is under 6 hours");
    const size = byRule.get("size_changed")!;
    assert.match(size.message, /grew from 1\.0 GiB to 2\.1 GiB \(\+110 %\)/);
    assert.match(
      size.link,
      new RegExp(`^/hosts/${s.host}/snapshots/${s.repo}/[0-9a-f]{64}/diff\\?from=`),
    );

    // Acknowledged: stays active, no more notices.
    const ack = await s.t.services.alerts.acknowledge(
      { type: "user", id: null, name: "admin", ip: null },
      byRule.get("host_offline")!.id,
    );
    assert.equal(ack.state, "acknowledged");
    assert.equal(ack.acknowledgedBy, "admin");

    s.clock.advance(6 * H);
    await seen(s.t.db, s.host, s.clock.now());
    await sql`UPDATE hosts SET state = 'approved' WHERE id = ${pending}`.execute(s.t.db);
    await seen(s.t.db, pending, s.clock.now());
    await setRepository(s.t.db, s.repo, { lastCheckStatus: "ok" });
    const before = s.events.length;
    await s.engine.tick();
    const now = new Map((await s.open()).map((a) => [a.rule, a]));
    assert.equal(now.has("host_offline"), false);
    assert.equal(now.has("host_pending"), false);
    assert.equal(now.has("check_failed"), false);
    assert.match(now.get("lock_held")!.message, /^A lock held by web-1 \(pid 42\) since /);
    const types = s.events.slice(before).map((e) => `${e.type}:${e.alert.rule}`).sort();
    assert.deepEqual(types, [
      "opened:lock_held",
      "resolved:check_failed",
      "resolved:host_offline",
      "resolved:host_pending",
    ]);
  } finally {
    await s.t.close();
  }
});
