/**
 * What agents report about jobs, applied on the appliance: re-delivered reports change nothing,
 * cancel in every state, the snapshot cache replaced by a listing's last part, a stop between
 * report commit and job update recovered at start (real libSQL file, a second connection and a
 * fresh set of services), and the history's filters and paging.
 */
import assert from "node:assert/strict";
import { openDb } from "../server/db/connect.ts";
import type { JobDetail, JobLogLine, JobView, SnapshotView } from "../server/contract/backups.ts";
import { createLogger } from "../server/log.ts";
import { createRedactor } from "../server/secrets/redact.ts";
import { createServices } from "../server/services.ts";
import {
  approvedHost,
  finished,
  insertPlan,
  insertRepository,
  jobsContext,
  runJob,
  started,
  statusOf,
} from "./jobs_fixture.ts";

const log = (jobId: string, text: string) => ({
  kind: "job.log",
  jobId,
  body: { level: "info", source: "tool", text },
});

Deno.test("re-delivered reports are applied once: status, log count and snapshot stay right", async () => {
  const { t, admin, operator } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const repo = await insertRepository(t, { name: "r" });
    const plan = await insertPlan(t, { name: "p", repositoryId: repo, hostId: a.hostId });
    const [job] = await runJob(operator, { kind: "backup", planId: plan });
    await a.poll();
    const first = await a.report([
      started(job.id),
      log(job.id, "scanning"),
      log(job.id, "uploading"),
      { kind: "job.progress", jobId: job.id, body: { percent: 0.5, files: 10 } },
    ]);
    const again = await a.resend(first.sent);
    // Progress is acknowledged without being stored, so it cannot count as a duplicate.
    assert.equal(again.duplicates, 3, "stored once");
    let d = (await admin.json<JobDetail>("GET", `/api/jobs/${job.id}`)).body;
    assert.equal(d.status, "running");
    assert.equal(d.logLines, 2, "a re-sent log line is not counted twice");
    assert.equal(d.progress?.percent, 0.5, "the latest progress is in the view");
    const end = await a.report([
      finished(job.id, {
        snapshotId: "abc123",
        result: { stats: { files: 42, bytes: 4096 } },
        status: "warning",
        message: "2 files could not be read",
      }),
    ]);
    await a.resend([...first.sent, ...end.sent]);
    d = (await admin.json<JobDetail>("GET", `/api/jobs/${job.id}`)).body;
    assert.equal(d.status, "warning", "a finished job never moves back to running");
    assert.equal(d.snapshotId, "abc123");
    assert.equal(d.message, "2 files could not be read");
    assert.equal(d.tail, "done");
    assert.equal(d.logLines, 2);
    const lines = await admin.json<{ lines: JobLogLine[]; next: number }>(
      "GET",
      `/api/jobs/${job.id}/log?after=0&limit=1`,
    );
    assert.deepEqual(lines.body.lines.map((l) => l.text), ["scanning"]);
    const rest = await admin.json<{ lines: JobLogLine[]; next: number }>(
      "GET",
      `/api/jobs/${job.id}/log?after=${lines.body.next}`,
    );
    assert.deepEqual(rest.body.lines.map((l) => l.text), ["uploading"]);
    // A malformed body is stored but changes nothing.
    await a.report([{ kind: "job.finished", jobId: job.id, body: { status: "exploded" } }]);
    assert.equal(await statusOf(t, job.id), "warning");
  } finally {
    await t.close();
  }
});

Deno.test("cancel: queued at once, sent and running through the agent, ended ones 409", async () => {
  const { t, admin, operator, viewer } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const repo = await insertRepository(t, { name: "r" });
    const [running] = await runJob(operator, {
      kind: "stats",
      repositoryId: repo,
      hostId: a.hostId,
    });
    const [queued] = await runJob(operator, {
      kind: "check",
      repositoryId: repo,
      hostId: a.hostId,
    });
    assert.equal(queued.status, "queued");
    assert.equal(
      (await viewer.json("POST", `/api/jobs/${queued.id}/cancel`, { body: {} })).status,
      403,
    );
    const c1 = await operator.json<JobDetail>("POST", `/api/jobs/${queued.id}/cancel`, {
      body: {},
    });
    assert.equal(c1.status, 200);
    assert.equal(c1.body.status, "cancelled");
    assert.equal(c1.body.message, "Cancelled before it started");
    assert.ok(c1.body.finishedAt);
    await a.poll();
    await a.report([started(running.id)]);
    const c2 = await operator.json<JobDetail>("POST", `/api/jobs/${running.id}/cancel`, {
      body: {},
    });
    assert.equal(c2.body.status, "running");
    assert.equal(c2.body.cancelRequested, true);
    const cmds = await a.poll();
    assert.deepEqual(cmds.map((c) => [c.kind, c.jobId, c.args.jobId]), [
      ["job.cancel", running.id, running.id],
    ]);
    await a.report([finished(running.id, { status: "cancelled", exitCode: 130 })]);
    assert.equal(await statusOf(t, running.id), "cancelled");
    for (const id of [queued.id, running.id]) {
      const r = await operator.json<{ error: { code: string } }>("POST", `/api/jobs/${id}/cancel`, {
        body: {},
      });
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, "job_ended");
    }
    const [sent] = await runJob(operator, { kind: "stats", repositoryId: repo, hostId: a.hostId });
    assert.equal(sent.status, "sent");
    // Command ids made in the same millisecond order at random (the channel's newId).
    t.clock.advance(1);
    const c3 = await operator.json<JobDetail>("POST", `/api/jobs/${sent.id}/cancel`, { body: {} });
    assert.equal(c3.body.status, "sent");
    assert.equal(c3.body.cancelRequested, true);
    const kinds = (await a.poll()).map((c) => c.kind);
    assert.deepEqual(kinds, ["job.run", "job.cancel"], "the agent gets the job and its cancel");
    const audit = await t.db.selectFrom("audit_log").select("action")
      .where("action", "like", "job.cancel%").execute();
    assert.deepEqual(audit.map((x) => x.action).sort(), [
      "job.cancel_requested",
      "job.cancel_requested",
      "job.cancelled",
    ]);
  } finally {
    await t.close();
  }
});

Deno.test("snapshot listings: parts upsert, the last part drops what the listing no longer has", async () => {
  const { t, admin, operator, viewer } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const repo = await insertRepository(t, { name: "r" });
    const plan = await insertPlan(t, { name: "p", repositoryId: repo, hostId: a.hostId });
    const snap = (id: string, time: number, tags: string[] = []) => ({
      id,
      shortId: id.slice(0, 8),
      time,
      hostname: "web1",
      paths: ["/etc"],
      tags,
    });
    const [backup] = await runJob(operator, { kind: "backup", planId: plan });
    await a.poll();
    await a.report([
      started(backup.id),
      finished(backup.id, { snapshotId: "s2", result: { stats: { files: 7, bytes: 700 } } }),
    ]);
    const list = async (job: string, part: number, last: boolean, snaps: unknown[]) =>
      await a.report([{
        kind: "snapshots",
        jobId: job,
        body: { repositoryId: repo, refreshId: job, part, last, snapshots: snaps },
      }]);
    const [r1] = await runJob(operator, {
      kind: "snapshots",
      repositoryId: repo,
      hostId: a.hostId,
    });
    await a.poll();
    await list(r1.id, 0, false, [
      snap("s1", 1000, ["cairn", `cairn-host:${a.hostId}`, `cairn-plan:${plan}`]),
    ]);
    await list(r1.id, 1, true, [
      snap("s2", 2000),
      snap(`${a.hostId}.${plan}.2026-01-01T00:00:00`, 3000),
    ]);
    await a.report([finished(r1.id)]);
    let got = (await viewer.json<{ snapshots: SnapshotView[] }>(
      "GET",
      `/api/snapshots?repositoryId=${repo}`,
    )).body.snapshots;
    assert.deepEqual(got.map((s) => s.shortId), [`${a.hostId}`.slice(0, 8), "s2", "s1"]);
    assert.equal(got[2].hostId, a.hostId, "host from the cairn-host tag");
    assert.equal(got[2].planId, plan);
    assert.equal(got[0].planId, plan, "plan from the borg archive name");
    assert.equal(got[1].sizeBytes, 700, "size from the backup job that made it");
    assert.equal(got[1].fileCount, 7);
    const [r2] = await runJob(operator, {
      kind: "snapshots",
      repositoryId: repo,
      hostId: a.hostId,
    });
    await a.poll();
    await list(r2.id, 0, true, [snap("s2", 2000), snap("s3", 4000)]);
    got = (await viewer.json<{ snapshots: SnapshotView[] }>(
      "GET",
      `/api/snapshots?repositoryId=${repo}`,
    )).body.snapshots;
    assert.deepEqual(got.map((s) => s.id), ["s3", "s2"], "rows the new listing lacks are gone");
    assert.equal(got[1].sizeBytes, 700, "a known size is kept");
    // The older listing's last part, re-sent late, brings nothing back.
    await list(r1.id, 1, true, [snap("s1", 1000)]);
    got =
      (await viewer.json<{ snapshots: SnapshotView[] }>("GET", `/api/snapshots?hostId=${a.hostId}`))
        .body.snapshots;
    assert.deepEqual(got.map((s) => s.id), [], "the cache has no snapshot of that host now");
    const all = (await viewer.json<{ snapshots: SnapshotView[] }>("GET", "/api/snapshots")).body;
    assert.deepEqual(all.snapshots.map((s) => s.id), ["s3", "s2"]);
  } finally {
    await t.close();
  }
});

Deno.test("a stop between report commit and job update loses nothing: start re-applies it", async () => {
  const { t, admin, operator } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const repo = await insertRepository(t, { name: "r" });
    const [job] = await runJob(operator, { kind: "init", repositoryId: repo, hostId: a.hostId });
    const [next] = await runJob(operator, { kind: "stats", repositoryId: repo, hostId: a.hostId });
    await a.poll();
    await a.report([started(job.id)]);
    // The report is committed as ingest would commit it, and the process dies before applying.
    const reportId = "01JZZZZZZZZZZZZZZZZZZZZZZZ";
    await t.db.insertInto("agent_reports").values({
      id: reportId,
      host_id: a.hostId,
      job_id: job.id,
      kind: "job.finished",
      seq: 99,
      at: t.clock.now(),
      body: JSON.stringify(finished(job.id).body),
      received_at: t.clock.now(),
    }).execute();
    assert.equal(await statusOf(t, job.id), "running");
    // A job marked sent whose command never went out (a stop between the two).
    await t.db.updateTable("jobs").set({ status: "sent" }).where("id", "=", next.id).execute();

    const second = openDb(`${t.dir}/cairn.db`);
    try {
      const lines: string[] = [];
      const services = createServices({
        db: second.db,
        clock: t.clock,
        redactor: createRedactor(),
        config: { sessionIdleMinutes: 60, sessionAbsoluteHours: 24 },
        facts: {
          version: "test",
          runtime: "test",
          dataDir: t.dir,
          dbFile: `${t.dir}/cairn.db`,
          startedAt: t.clock.now(),
          tls: { enabled: false, caCertPem: null, caFingerprint: null, hostnames: [] },
        },
        identity: t.services.identity,
        secretBox: t.services.secretBox,
        log: createLogger({
          level: "info",
          redactor: createRedactor(),
          sink: (l) => lines.push(l),
        }),
      });
      await services.jobs.start();
      const row = await second.db.selectFrom("jobs").selectAll().where("id", "=", job.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, "ok", "the stored job.finished was applied at start");
      assert.equal(row.tail, "done");
      const repoRow = await second.db.selectFrom("repositories").select("state")
        .where("id", "=", repo).executeTakeFirstOrThrow();
      assert.equal(repoRow.state, "ready", "a good init marks the repository ready");
      const cmds = await second.db.selectFrom("agent_commands").select(["kind", "job_id"])
        .where("job_id", "=", next.id).execute();
      assert.deepEqual(cmds, [{ kind: "job.run", job_id: next.id }], "the unsent job went out");
      assert.ok(lines.some((l) => l.includes('"reapplied":1') && l.includes('"requeued":1')));
      await services.jobs.start();
      assert.equal(
        (await second.db.selectFrom("agent_commands").select("id").where("job_id", "=", next.id)
          .execute()).length,
        1,
        "a second start sends nothing twice",
      );
    } finally {
      await second.close();
    }
  } finally {
    await t.close();
  }
});

Deno.test("history: filters by host, plan, repository, kind, status and time, paged by id", async () => {
  const { t, admin, operator, viewer } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const b = await approvedHost(t, admin, { name: "web2" });
    const r1 = await insertRepository(t, { name: "r1" });
    const r2 = await insertRepository(t, { name: "r2" });
    const plan = await insertPlan(t, { name: "p", repositoryId: r1, hostId: a.hostId });
    const made: JobView[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(...await runJob(operator, { kind: "stats", repositoryId: r2, hostId: b.hostId }));
      t.clock.advance(60_000);
    }
    const mark = new Date(t.clock.now()).toISOString();
    made.push(...await runJob(operator, { kind: "backup", planId: plan }));
    const get = async (q: string) =>
      (await viewer.json<{ jobs: JobView[]; nextBefore: string | null }>("GET", `/api/jobs?${q}`))
        .body;
    assert.deepEqual((await get(`hostId=${a.hostId}`)).jobs.map((j) => j.kind), ["backup"]);
    assert.deepEqual((await get(`planId=${plan}`)).jobs.map((j) => j.id), [made[5].id]);
    assert.equal((await get(`repositoryId=${r2}`)).jobs.length, 5);
    assert.equal((await get("kind=stats&status=queued")).jobs.length, 4);
    assert.deepEqual((await get(`since=${mark}`)).jobs.map((j) => j.id), [made[5].id]);
    assert.equal((await get(`until=${mark}`)).jobs.length, 5);
    const seen: string[] = [];
    let page = await get("limit=2");
    for (;;) {
      seen.push(...page.jobs.map((j) => j.id));
      if (!page.nextBefore) break;
      page = await get(`limit=2&before=${page.nextBefore}`);
    }
    assert.deepEqual(seen, made.map((j) => j.id).reverse(), "every job once, newest first");
    const queued = (await get(`hostId=${b.hostId}&status=queued`)).jobs;
    assert.ok(queued.every((j) => j.waitingFor === "Waiting for another job on this host"));
  } finally {
    await t.close();
  }
});
