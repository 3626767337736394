/**
 * Run now and the dispatcher, through the HTTP API and the real agent protocol: one job at a
 * time per host, exclusive repository jobs across hosts, the fan-out of a tag plan, bad input
 * answered with nothing written, and the spec's secrets sealed to the one agent that runs it.
 */
import assert from "node:assert/strict";
import type { JobDetail } from "../server/contract/backups.ts";
import {
  approvedHost,
  finished,
  HOOK_PRE,
  insertPlan,
  insertRepository,
  jobsContext,
  PASSPHRASE,
  REST_PASSWORD,
  runJob,
  specsIn,
  started,
  statusOf,
} from "./jobs_fixture.ts";

Deno.test("a host runs one job at a time, oldest first; the next is sent when one ends", async () => {
  const { t, admin, operator } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const r1 = await insertRepository(t, { name: "r1" });
    const r2 = await insertRepository(t, { name: "r2" });
    const [j1] = await runJob(operator, { kind: "stats", repositoryId: r1, hostId: a.hostId });
    const [j2] = await runJob(operator, { kind: "stats", repositoryId: r2, hostId: a.hostId });
    assert.equal(j1.status, "sent");
    assert.equal(j2.status, "queued");
    assert.equal(j2.waitingFor, "Waiting for another job on this host");
    let specs = specsIn(await a.poll());
    assert.deepEqual(specs.map((s) => s.jobId), [j1.id], "only the first job reaches the host");
    assert.equal(specs[0].timeoutMs, 6 * 3600_000);
    await a.report([started(j1.id)]);
    assert.equal(await statusOf(t, j1.id), "running");
    assert.equal(await statusOf(t, j2.id), "queued");
    await a.report([finished(j1.id, { result: { totalSizeBytes: 5, snapshotCount: 2 } })]);
    assert.equal(await statusOf(t, j1.id), "ok");
    assert.equal(await statusOf(t, j2.id), "sent", "the end of one job sends the next");
    specs = specsIn(await a.poll());
    assert.deepEqual(specs.map((s) => s.jobId), [j2.id]);
    const repo = await t.db.selectFrom("repositories").selectAll().where("id", "=", r1)
      .executeTakeFirstOrThrow();
    assert.equal(repo.state, "ready", "a good stats job marks the repository ready");
    assert.equal(JSON.parse(repo.stats).snapshotCount, 2);
  } finally {
    await t.close();
  }
});

Deno.test("exclusive jobs have a repository to themselves across hosts", async () => {
  const { t, admin, operator } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const b = await approvedHost(t, admin, { name: "web2" });
    const shared = await insertRepository(t, { name: "shared" });
    const pa = await insertPlan(t, { name: "pa", repositoryId: shared, hostId: a.hostId });
    const pb = await insertPlan(t, { name: "pb", repositoryId: shared, hostId: b.hostId });
    const [backupA] = await runJob(operator, { kind: "backup", planId: pa });
    const [backupB] = await runJob(operator, { kind: "backup", planId: pb });
    assert.equal(backupA.status, "sent");
    assert.equal(backupB.status, "sent", "restic backups share the repository");
    const [check] = await runJob(operator, {
      kind: "check",
      repositoryId: shared,
      hostId: b.hostId,
    });
    assert.equal(check.status, "queued");
    const [later] = await runJob(operator, { kind: "backup", planId: pa });
    assert.equal(later.status, "queued");
    await a.report([started(backupA.id), finished(backupA.id)]);
    assert.equal(await statusOf(t, later.id), "queued", "a newer shared job waits behind check");
    const view = await admin.json<JobDetail>("GET", `/api/jobs/${later.id}`);
    assert.match(view.body.waitingFor!, /repository is busy with check/);
    await b.report([started(backupB.id), finished(backupB.id)]);
    assert.equal(await statusOf(t, check.id), "sent", "check starts once no job uses it");
    assert.equal(await statusOf(t, later.id), "queued", "and nothing shares it meanwhile");
    assert.equal(
      specsIn(await b.poll()).find((s) => s.jobId === check.id)?.timeoutMs,
      12 * 3600_000,
    );
    await b.report([started(check.id), finished(check.id, { status: "warning" })]);
    assert.equal(await statusOf(t, later.id), "sent");
    const repo = await t.db.selectFrom("repositories").selectAll().where("id", "=", shared)
      .executeTakeFirstOrThrow();
    assert.equal(repo.last_check_status, "warning");

    const borg = await insertRepository(t, { name: "borgrepo", engine: "borg" });
    const [bA] = await runJob(operator, { kind: "stats", repositoryId: borg, hostId: b.hostId });
    const [bB] = await runJob(operator, { kind: "locks", repositoryId: borg, hostId: a.hostId });
    assert.equal(bA.status, "sent");
    assert.equal(bB.status, "queued", "every borg job holds its repository alone");
  } finally {
    await t.close();
  }
});

Deno.test("a tag plan fans out to every approved host with the tag; hostId picks one", async () => {
  const { t, admin, operator } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1", tags: ["web"] });
    const b = await approvedHost(t, admin, { name: "web2", tags: ["web", "eu"] });
    const c = await approvedHost(t, admin, { name: "db1", tags: ["db"] });
    const repo = await insertRepository(t, { name: "r" });
    const plan = await insertPlan(t, { name: "web", repositoryId: repo, tag: "web" });
    const jobs = await runJob(operator, { kind: "backup", planId: plan });
    assert.deepEqual(jobs.map((j) => j.host.name).sort(), ["web1", "web2"]);
    assert.ok(jobs.every((j) => j.status === "sent" && j.plan?.id === plan));
    assert.equal(specsIn(await a.poll()).length, 1);
    assert.equal(specsIn(await b.poll()).length, 1);
    assert.equal(specsIn(await c.poll()).length, 0);
    const one = await runJob(operator, { kind: "backup", planId: plan, hostId: b.hostId });
    assert.deepEqual(one.map((j) => j.host.id), [b.hostId]);
    const wrong = await operator.json<{ error: { code: string } }>("POST", "/api/jobs", {
      body: { kind: "backup", planId: plan, hostId: c.hostId },
    });
    assert.equal(wrong.status, 409);
    assert.equal(wrong.body.error.code, "host_not_targeted");
  } finally {
    await t.close();
  }
});

Deno.test("bad input: 400, 404 and 409 with the one error shape and nothing written", async () => {
  const { t, admin, operator, viewer } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const repo = await insertRepository(t, { name: "r" });
    const empty = await insertPlan(t, { name: "empty", repositoryId: repo, tag: "nobody" });
    const keepAll = await insertPlan(t, {
      name: "keep",
      repositoryId: repo,
      hostId: a.hostId,
      retention: {},
    });
    const missingRep = "rep_01aaaaaaaaaaaaaaaaaaaaaaaa";
    const missingHost = "hst_01aaaaaaaaaaaaaaaaaaaaaaaa";
    const cases: Array<[unknown, number, string]> = [
      [{ kind: "compact", repositoryId: repo, hostId: a.hostId }, 400, "bad_request"],
      [{ kind: "backup" }, 400, "invalid_input"],
      [{ kind: "check", repositoryId: repo }, 400, "invalid_input"],
      [{ kind: "explode", repositoryId: repo, hostId: a.hostId }, 400, "invalid_input"],
      [{ kind: "stats", repositoryId: repo, hostId: a.hostId, extra: 1 }, 400, "invalid_input"],
      [{ kind: "stats", repositoryId: missingRep, hostId: a.hostId }, 404, "not_found"],
      [{ kind: "stats", repositoryId: repo, hostId: missingHost }, 404, "not_found"],
      [{ kind: "backup", planId: "pln_01aaaaaaaaaaaaaaaaaaaaaaaa" }, 404, "not_found"],
      [{ kind: "backup", planId: empty }, 409, "no_approved_host"],
      [{ kind: "forget", planId: keepAll }, 409, "no_retention"],
    ];
    for (const [body, status, code] of cases) {
      const r = await operator.json<{ error: { code: string; message: string } }>(
        "POST",
        "/api/jobs",
        { body },
      );
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal(r.body.error.code, code, JSON.stringify(body));
      assert.ok(r.body.error.message.length > 10);
    }
    const none = await viewer.json("POST", "/api/jobs", {
      body: { kind: "stats", repositoryId: repo, hostId: a.hostId },
    });
    assert.equal(none.status, 403, "viewers do not run jobs");
    const rows = await t.db.selectFrom("jobs").selectAll().execute();
    assert.equal(rows.length, 0, "no job row was written");
    const cmds = await t.db.selectFrom("agent_commands").selectAll().execute();
    assert.equal(cmds.length, 0);
    for (const path of ["/api/jobs/job_01aaaaaaaaaaaaaaaaaaaaaaaa", "/api/jobs/nonsense/log"]) {
      assert.equal((await viewer.json("GET", path)).status, 404);
    }
    const q = await viewer.json("GET", "/api/jobs?status=exploded");
    assert.equal(q.status, 400);
  } finally {
    await t.close();
  }
});

Deno.test("the spec's secrets open to the right values for that agent only, and are stored nowhere in the clear", async () => {
  const { t, admin, operator } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const b = await approvedHost(t, admin, { name: "web2" });
    const repo = await insertRepository(t, { name: "r", withCredentials: true });
    const plan = await insertPlan(t, {
      name: "p",
      repositoryId: repo,
      hostId: a.hostId,
      hooks: true,
    });
    const [job] = await runJob(operator, {
      kind: "backup",
      planId: plan,
      options: { snapshotTime: "2026-01-02T03:04:05.000Z" },
    });
    const [spec] = specsIn(await a.poll());
    assert.equal(spec.jobId, job.id);
    assert.equal(spec.timeoutMs, 24 * 3600_000);
    assert.equal(spec.options.snapshotTime, Date.UTC(2026, 0, 2, 3, 4, 5));
    assert.deepEqual(spec.plan?.sources, ["/etc", "/home"]);
    assert.equal(spec.repository.passphrase.name, `${job.id}-pass`);
    assert.equal(await a.open(spec.repository.passphrase), PASSPHRASE);
    assert.equal(
      JSON.parse(await a.open(spec.repository.credentials)).restPassword,
      REST_PASSWORD,
    );
    assert.equal(JSON.parse(await a.open(spec.plan!.hooks)).pre, HOOK_PRE);
    await assert.rejects(b.open(spec.repository.passphrase), /another appliance or agent/);
    const dump = JSON.stringify(await t.db.selectFrom("agent_commands").selectAll().execute()) +
      JSON.stringify(await t.db.selectFrom("audit_log").selectAll().execute()) +
      JSON.stringify(await t.db.selectFrom("jobs").selectAll().execute()) +
      t.logLines.join("\n");
    for (const secret of [PASSPHRASE, REST_PASSWORD, HOOK_PRE]) {
      assert.ok(!dump.includes(secret), "no plain secret in commands, audit, jobs or logs");
    }
    const audit = await t.db.selectFrom("audit_log").selectAll()
      .where("action", "=", "job.created").execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0].target_id, job.id);
  } finally {
    await t.close();
  }
});
