/**
 * The job stream (`GET /api/jobs/:id/stream`): the order of events for a client that connects
 * mid-job, progress delivered in the same turn it was ingested, the subscription freed when the
 * tab closes, a finished job's stream, API tokens, and a real appliance process that still stops
 * promptly on SIGTERM with a stream open.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { JobDetail } from "../server/contract/backups.ts";
import { openDb } from "../server/db/connect.ts";
import { defaultMigrationsDir, loadMigrations, migrate } from "../server/db/migrate.ts";
import { startServerProcess } from "./helpers/server_process.ts";
import {
  approvedHost,
  finished,
  insertRepository,
  jobsContext,
  runJob,
  started,
} from "./jobs_fixture.ts";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";

interface Sse {
  event: string;
  data: unknown;
}

/** Reads SSE frames off a response body; comments are returned as event ":". */
function sseReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  const queue: Sse[] = [];
  async function next(): Promise<Sse | null> {
    while (queue.length === 0) {
      const { done, value } = await reader.read();
      if (done) return null;
      buf += value;
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (frame.startsWith(":")) {
          queue.push({ event: ":", data: frame });
          continue;
        }
        const event = /^event: (.*)$/m.exec(frame)?.[1] ?? "message";
        const data = frame.split("\n").filter((l) => l.startsWith("data: "))
          .map((l) => l.slice(6)).join("\n");
        queue.push({ event, data: JSON.parse(data) });
      }
    }
    return queue.shift()!;
  }
  return { next, cancel: () => reader.cancel() };
}

const log = (jobId: string, text: string) => ({
  kind: "job.log",
  jobId,
  body: { level: "info", source: "tool", text },
});

Deno.test("a stream joined mid-job: job, stored log, then live progress, log, job and end", async () => {
  const { t, admin, operator, viewer } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const repo = await insertRepository(t, { name: "r" });
    const [job] = await runJob(operator, { kind: "stats", repositoryId: repo, hostId: a.hostId });
    await a.poll();
    await a.report([started(job.id), log(job.id, "one"), log(job.id, "two")]);
    const res = await viewer.request("GET", `/api/jobs/${job.id}/stream`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/event-stream/);
    const s = sseReader(res);
    const first = await s.next();
    assert.equal(first?.event, "job");
    assert.equal((first?.data as JobDetail).status, "running");
    assert.deepEqual(
      [await s.next(), await s.next()].map((e) => (e?.data as { text: string }).text),
      [
        "one",
        "two",
      ],
    );
    assert.equal(t.services.jobs.subscribers(), 1);

    // Progress is on the stream by the time the ingest answers: no timer between them.
    const pending = s.next();
    await a.report([{ kind: "job.progress", jobId: job.id, body: { percent: 0.25, files: 3 } }]);
    const progress = await Promise.race([
      pending,
      new Promise<null>((r) => setTimeout(() => r(null), 0)),
    ]);
    assert.equal(progress?.event, "progress", "delivered in the same turn it was ingested");
    assert.equal((progress?.data as { percent: number }).percent, 0.25);
    assert.equal((progress?.data as { receivedAt: number }).receivedAt, t.clock.now());

    await a.report([log(job.id, "three")]);
    const live = await s.next();
    assert.equal(live?.event, "log");
    assert.equal((live?.data as { text: string }).text, "three");
    await a.report([finished(job.id)]);
    const events = [await s.next(), await s.next()];
    assert.deepEqual(events.map((e) => e?.event), ["job", "end"]);
    assert.equal((events[1]?.data as JobDetail).status, "ok");
    assert.equal(await s.next(), null, "the server closes the stream after end");
    assert.equal(t.services.jobs.subscribers(), 0);

    // A finished job's stream: job, its log, end, closed.
    const again = sseReader(await viewer.request("GET", `/api/jobs/${job.id}/stream`));
    const all: string[] = [];
    for (let e = await again.next(); e; e = await again.next()) all.push(e.event);
    assert.deepEqual(all, ["job", "log", "log", "log", "end"]);
    assert.equal(t.services.jobs.subscribers(), 0);
  } finally {
    await t.close();
  }
});

Deno.test("closing the tab frees the subscription; tokens may follow a stream; unknown jobs 404", async () => {
  const { t, admin, operator } = await jobsContext();
  try {
    const a = await approvedHost(t, admin, { name: "web1" });
    const repo = await insertRepository(t, { name: "r" });
    const [job] = await runJob(operator, { kind: "check", repositoryId: repo, hostId: a.hostId });
    const made = await admin.json<{ secret: string }>("POST", "/api/tokens", {
      body: { name: "grafana", role: "viewer" },
    });
    assert.equal(made.status, 201);
    const tab = sseReader(
      await t.client().request("GET", `/api/jobs/${job.id}/stream`, {
        token: made.body.secret,
      }),
    );
    assert.equal((await tab.next())?.event, "job");
    assert.equal(t.services.jobs.subscribers(), 1);
    await tab.cancel();
    assert.equal(t.services.jobs.subscribers(), 0, "the closed tab no longer listens");
    // The job goes on; publishing to nobody is harmless.
    await a.poll();
    await a.report([started(job.id), finished(job.id)]);
    const anon = await t.client().request("GET", `/api/jobs/${job.id}/stream`);
    assert.equal(anon.status, 401);
    const missing = await admin.json<{ error: { code: string } }>(
      "GET",
      "/api/jobs/job_01aaaaaaaaaaaaaaaaaaaaaaaa/stream",
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "not_found");
  } finally {
    await t.close();
  }
});

Deno.test("a real appliance with an open job stream stops promptly on SIGTERM", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "cairn-jobs-sse-"));
  const dbFile = join(dataDir, "cairn.db");
  await migrate(dbFile, await loadMigrations(defaultMigrationsDir()));
  const { db, close } = openDb(dbFile);
  const jobId = "job_01aaaaaaaaaaaaaaaaaaaaaaaa";
  try {
    const now = Date.now();
    await db.insertInto("hosts").values({
      id: "hst_01aaaaaaaaaaaaaaaaaaaaaaaa",
      name: "web1",
      public_key: "A".repeat(43) + "=",
      box_public_key: "B".repeat(43) + "=",
      fingerprint: "0".repeat(64),
      state: "approved",
      tags: "[]",
      facts: "{}",
      lock_ip: null,
      enrolled_ip: "127.0.0.1",
      protocol_version: 1,
      created_at: now,
      updated_at: now,
      decided_at: now,
      decided_by: "test",
    }).execute();
    await db.insertInto("repositories").values({
      id: "rep_01aaaaaaaaaaaaaaaaaaaaaaaa",
      name: "r",
      engine: "restic",
      location: JSON.stringify({ kind: "local", path: "/srv/r" }),
      passphrase_sealed: "sb1:AAAA",
      credentials_sealed: null,
      ssh_key_id: null,
      known_hosts: null,
      state: "ready",
      append_only: null,
      stats: "{}",
      lock_state: "{}",
      last_check_at: null,
      last_check_status: null,
      created_by: "test",
      created_at: now,
      updated_at: now,
    }).execute();
    await db.insertInto("jobs").values({
      id: jobId,
      host_id: "hst_01aaaaaaaaaaaaaaaaaaaaaaaa",
      repository_id: "rep_01aaaaaaaaaaaaaaaaaaaaaaaa",
      plan_id: null,
      kind: "check",
      exclusive: 1,
      status: "running",
      options: "{}",
      trigger: "manual",
      created_by: "test",
      created_at: now,
      log_lines: 0,
    }).execute();
  } finally {
    await close();
  }
  const password = "stream-admin-password-1";
  const srv = await startServerProcess({ dataDir, env: { CAIRN_ADMIN_PASSWORD: password } });
  try {
    const login = await fetch(`${srv.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password }),
    });
    assert.equal(login.status, 200);
    await login.body?.cancel();
    const cookie = /cairn_session=[^;]*/.exec(login.headers.get("set-cookie")!)![0];
    const res = await fetch(`${srv.url}/api/jobs/${jobId}/stream`, { headers: { cookie } });
    const s = sseReader(res);
    assert.equal((await s.next())?.event, "job");
    const t0 = performance.now();
    const code = await srv.stop();
    const ms = performance.now() - t0;
    assert.equal(code, 0);
    assert.ok(ms < 5000, `stopped in ${Math.round(ms)} ms`);
    assert.equal(await s.next(), null, "the stream ended with the server");
  } finally {
    await srv.kill();
    await srv.cleanup();
  }
});
