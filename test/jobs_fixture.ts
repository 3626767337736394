/**
 * Shared ground for the jobs tests: an in-process appliance with signed-in clients, approved
 * agents speaking the real protocol (long-poll, signed batches, sealed secrets opened with the
 * agent's own key, report batches), and repositories and plans written straight into the
 * database with secrets sealed by the appliance's secret box, as the configuration screens
 * would leave them.
 */
import assert from "node:assert/strict";
import { readEnrollment } from "../agent/enrollment.ts";
import { checkSealedSecret, openCommandBatch } from "../agent/trust.ts";
import { createUlidFactory } from "../agent/ulid.ts";
import type { Command, IngestResponse, Report } from "../server/contract/agent.ts";
import { fromBase64 } from "../server/contract/agent_crypto.ts";
import type { JobView } from "../server/contract/backups.ts";
import type { JobSpec } from "../server/contract/jobs.ts";
import { newId } from "../server/ids.ts";
import { createTestContext } from "./helpers/app.ts";
import type { TestClient } from "./helpers/app.ts";
import { testAgent } from "./agents/inproc.ts";
import { testSecret } from "./helpers/log_capture.ts";

export type Ctx = Awaited<ReturnType<typeof createTestContext>>;
export type Clients = Awaited<ReturnType<Ctx["signedInClients"]>>;

export const PASSPHRASE = testSecret("repo-pass");
export const REST_PASSWORD = testSecret("rest-password");
export const HOOK_PRE = `echo ${testSecret("pre-hook")}`;

export async function jobsContext() {
  const t = await createTestContext();
  const clients = await t.signedInClients();
  return { t, clients, ...clients };
}

export interface FakeAgentSide {
  hostId: string;
  /** The commands waiting for this host (poll without waiting), checked as the agent does. */
  poll(): Promise<Command[]>;
  /** Opens a sealed secret as the agent would: signature, addressee, then the box. */
  open(sealed: unknown): Promise<string>;
  /** Posts reports with fresh ids and rising seq numbers; returns them with the answer. */
  report(
    items: Array<{ kind: string; jobId: string; body: Record<string, unknown> }>,
  ): Promise<{ sent: Report[]; res: IngestResponse }>;
  /** Posts exactly these reports again (re-delivery). */
  resend(reports: Report[]): Promise<IngestResponse>;
}

export async function approvedHost(
  t: Ctx,
  admin: TestClient,
  opts: { name: string; tags?: string[] },
): Promise<FakeAgentSide> {
  const agent = await testAgent(t);
  const { hostId } = await agent.enroll();
  const r = await admin.json("POST", `/api/hosts/${hostId}/approve`, {
    body: { name: opts.name, tags: opts.tags ?? [] },
  });
  assert.equal(r.status, 200);
  const pinned = (await readEnrollment(agent.stateDir))!;
  const ulid = createUlidFactory();
  let seq = 1;
  const session = await agent.session();
  // A heartbeat so the host counts as online.
  await agent.client.heartbeat(session.token, {
    sentAt: t.clock.now(),
    outboxDepth: 0,
    droppedLogs: 0,
    uptimeSeconds: 1,
  });
  return {
    hostId,
    async poll() {
      const got = await agent.client.poll(session.token, 0);
      if (!got.batch) return [];
      const payload = await openCommandBatch(got.batch, pinned, agent.identity);
      return payload.commands;
    },
    async open(raw) {
      const s = await checkSealedSecret(raw, pinned, agent.identity);
      const plain = await agent.identity.openBox(
        fromBase64(s.box)!,
        fromBase64(s.nonce)!,
        fromBase64(s.ephemeralKey)!,
      );
      assert.ok(plain, "the sealed secret opens with the agent's key");
      return new TextDecoder().decode(plain);
    },
    async report(items) {
      const sent: Report[] = items.map((i) => ({
        id: ulid(),
        seq: seq++,
        kind: i.kind,
        jobId: i.jobId,
        at: t.clock.now(),
        body: i.body,
      }));
      const res = await agent.client.postReports(session.token, sent);
      assert.deepEqual(res.refused, [], "every report is accepted");
      return { sent, res };
    },
    resend: (reports) => agent.client.postReports(session.token, reports),
  };
}

export async function insertRepository(
  t: Ctx,
  opts: { name: string; engine?: "restic" | "borg"; withCredentials?: boolean },
): Promise<string> {
  const id = newId("rep", t.clock.now());
  const box = t.services.secretBox;
  await t.db.insertInto("repositories").values({
    id,
    name: opts.name,
    engine: opts.engine ?? "restic",
    location: JSON.stringify(
      opts.withCredentials
        ? { kind: "rest", url: "http://127.0.0.1:8000/repo", username: "cairn" }
        : { kind: "local", path: `/srv/backup/${opts.name}` },
    ),
    passphrase_sealed: box.seal(PASSPHRASE),
    credentials_sealed: opts.withCredentials
      ? box.seal(JSON.stringify({ restPassword: REST_PASSWORD }))
      : null,
    ssh_key_id: null,
    known_hosts: null,
    state: "new",
    append_only: null,
    stats: "{}",
    lock_state: "{}",
    last_check_at: null,
    last_check_status: null,
    created_by: "test",
    created_at: t.clock.now(),
    updated_at: t.clock.now(),
  }).execute();
  return id;
}

export async function insertPlan(
  t: Ctx,
  opts: {
    name: string;
    repositoryId: string;
    hostId?: string;
    tag?: string;
    hooks?: boolean;
    retention?: Record<string, unknown>;
  },
): Promise<string> {
  const id = newId("pln", t.clock.now());
  await t.db.insertInto("plans").values({
    id,
    name: opts.name,
    repository_id: opts.repositoryId,
    target_host_id: opts.hostId ?? null,
    target_tag: opts.tag ?? null,
    sources: JSON.stringify(["/etc", "/home"]),
    excludes: JSON.stringify(["*.tmp"]),
    exclude_if_present: "[]",
    one_file_system: 1,
    compression: null,
    tags: JSON.stringify(["nightly"]),
    limits: "{}",
    retention: JSON.stringify(opts.retention ?? { daily: 7 }),
    hooks_sealed: opts.hooks ? t.services.secretBox.seal(JSON.stringify({ pre: HOOK_PRE })) : null,
    enabled: 1,
    created_by: "test",
    created_at: t.clock.now(),
    updated_at: t.clock.now(),
  }).execute();
  return id;
}

export async function runJob(
  c: TestClient,
  body: Record<string, unknown>,
): Promise<JobView[]> {
  const r = await c.json<{ jobs: JobView[] }>("POST", "/api/jobs", { body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.jobs;
}

export const statusOf = async (t: Ctx, id: string) =>
  (await t.db.selectFrom("jobs").select("status").where("id", "=", id).executeTakeFirstOrThrow())
    .status;

/** The job.run specs among commands. */
export const specsIn = (cmds: Command[]) =>
  cmds.filter((c) => c.kind === "job.run").map((c) => (c.args as { spec: JobSpec }).spec);

export const started = (jobId: string) => ({
  kind: "job.started",
  jobId,
  body: { kind: "backup", command: "restic backup /etc", startedAt: 1 },
});

export const finished = (jobId: string, extra: Record<string, unknown> = {}) => ({
  kind: "job.finished",
  jobId,
  body: {
    status: "ok",
    exitCode: 0,
    message: null,
    failureCode: null,
    tail: "done",
    durationMs: 1000,
    ...extra,
  },
});
