import assert from "node:assert/strict";
import { createTestClock, createTestContext } from "../../../test/helpers/app.ts";
import {
  addHost,
  addJob,
  addPlan,
  addRepository,
  addSchedule,
} from "../../../test/alerts/fixture.ts";

const H = 3600_000;

Deno.test("backup_stale in SQL: tag targets, the schedule and its start, what counts as a success, the window's edge", async () => {
  const clock = createTestClock();
  const t = await createTestContext({ clock });
  try {
    const at = clock.now();
    const repo = await addRepository(t.db, { name: "nas", at });
    const web1 = await addHost(t.db, { name: "web-1", at, tags: ["web", "eu"] });
    const web2 = await addHost(t.db, { name: "web-2", at, tags: ["web"] });
    await addHost(t.db, { name: "db-1", at, tags: ["db"] });
    const tagged = await addPlan(t.db, { name: "sites", repositoryId: repo, tag: "web", at });
    // Every 6 hours: 2 × 6 h + 1 h = 13 h. The forget schedule's interval plays no part.
    await addSchedule(t.db, { planId: tagged, cron: "0 */6 * * *", timeZone: "Europe/Berlin", at });
    await addSchedule(t.db, { planId: tagged, kind: "forget", cron: "*/5 * * * *", at });
    // A schedule added an hour later: judged from then.
    const late = await addPlan(t.db, { name: "late", repositoryId: repo, hostId: web1, at });
    await addSchedule(t.db, { planId: late, cron: "0 */6 * * *", at: at + H });

    const stale = async () => {
      await t.services.alertEngine.evaluateRules(["backup_stale"]);
      const r = await t.services.alerts.list({ state: "open", rule: "backup_stale", limit: 200 });
      return r.alerts.map((a) => `${a.hostName} ${a.planName}`).sort();
    };

    clock.set(at + 13 * H);
    assert.deepEqual(await stale(), [], "exactly the window is not stale yet");
    clock.set(at + 13 * H + 1);
    assert.deepEqual(await stale(), ["web-1 sites", "web-2 sites"], "each tagged host, once");
    const one = (await t.services.alerts.list({ state: "open", rule: "backup_stale", limit: 9 }))
      .alerts[0];
    assert.match(one.message, /within 13 h, from the schedule's 6 h interval \(never backed up\)/);

    // A warning counts as a success; a failure does not.
    await addJob(t.db, {
      hostId: web1,
      repositoryId: repo,
      planId: tagged,
      status: "warning",
      at: clock.now(),
    });
    await addJob(t.db, {
      hostId: web2,
      repositoryId: repo,
      planId: tagged,
      status: "failed",
      at: clock.now(),
    });
    assert.deepEqual(await stale(), ["web-2 sites"]);
    clock.set(at + 14 * H + 1);
    assert.deepEqual(await stale(), ["web-1 late", "web-2 sites"], "late: 13 h after its schedule");
  } finally {
    await t.close();
  }
});
