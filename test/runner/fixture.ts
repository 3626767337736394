/**
 * A job runner wired to real parts for tests: an agent identity and a real outbox in a temp
 * state dir, an ephemeral appliance identity pinned by the agent, and specs whose secrets are
 * sealed to the agent the way the appliance seals them. Reports are read back from the outbox.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreateIdentity } from "../../agent/identity.ts";
import type { AgentIdentity } from "../../agent/identity.ts";
import { createJobRunner, type JobRunner } from "../../agent/jobs/runner.ts";
import { createLog } from "../../agent/log.ts";
import { openOutbox, type Outbox } from "../../agent/outbox.ts";
import { ephemeralIdentity } from "../../server/agent_channel/identity.ts";
import type { ApplianceIdentity } from "../../server/agent_channel/identity.ts";
import { sealForAgent } from "../../server/agent_channel/seal.ts";
import type { Command, Report, SealedSecret } from "../../server/contract/agent.ts";
import type { JobSpec } from "../../server/contract/jobs.ts";
import { captureLog } from "../helpers/log_capture.ts";

export interface RunnerFixture {
  dir: string;
  stateDir: string;
  appliance: ApplianceIdentity;
  agent: AgentIdentity;
  outbox: Outbox;
  runner: JobRunner;
  /** Every line the agent logged. */
  logLines: string[];
  /** Every report as the runner handed it to the outbox, with the time it did. */
  added: Array<{ kind: string; jobId?: string | null; body: Record<string, unknown>; at: number }>;
  seal(name: string, plaintext: string): Promise<SealedSecret>;
  /** Starts another runner on the same state dir (an agent restart). */
  restart(): Promise<JobRunner>;
  submit(spec: unknown, extra?: Partial<Command>): Promise<Record<string, unknown>>;
  cancel(jobId: string, by?: string): Promise<Record<string, unknown>>;
  reports(jobId?: string): Report[];
  finished(jobId: string): Record<string, unknown>;
  waitFor(pred: () => boolean, timeoutMs?: number): Promise<void>;
}

let commandCounter = 0;
const commandId = () => `cmd_${String(++commandCounter).padStart(26, "0")}`;

export async function withRunner(
  fn: (f: RunnerFixture) => Promise<void>,
  opts: { graceMs?: number } = {},
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cairn-runner-"));
  const stateDir = join(dir, "state");
  const appliance = ephemeralIdentity();
  const agent = await loadOrCreateIdentity(stateDir);
  const outbox = await openOutbox(join(stateDir, "outbox.db"));
  const pinned = {
    applianceId: appliance.applianceId,
    appliancePublicKey: appliance.publicKey,
    applianceFingerprint: appliance.fingerprint,
  };
  const logLines: string[] = [];
  const log = createLog({ level: "debug", sink: (l) => void logLines.push(l) });
  const added: RunnerFixture["added"] = [];
  const sink = {
    add(reports: Parameters<Outbox["add"]>[0]) {
      const at = Date.now();
      for (const r of reports) added.push({ ...r, at });
      return outbox.add(reports);
    },
  };
  const make = () =>
    createJobRunner({
      stateDir,
      outbox: sink,
      identity: agent,
      pinned,
      log,
      graceMs: opts.graceMs,
    });
  const runners: JobRunner[] = [make()];
  await runners[0].start();
  const all = () => outbox.take(100_000);
  const f: RunnerFixture = {
    dir,
    stateDir,
    appliance,
    agent,
    outbox,
    get runner() {
      return runners[runners.length - 1];
    },
    logLines,
    added,
    seal: (name, plaintext) =>
      sealForAgent(appliance, {
        agentKey: agent.publicKey,
        boxPublicKey: agent.boxPublicKey,
        name,
        plaintext,
        now: Date.now(),
      }),
    async restart() {
      const r = make();
      runners.push(r);
      await r.start();
      return r;
    },
    submit: (spec, extra = {}) =>
      f.runner.runners["job.run"]({
        id: commandId(),
        kind: "job.run",
        jobId: null,
        args: { spec } as Record<string, unknown>,
        createdAt: Date.now(),
        ...extra,
      }),
    cancel: (jobId, by) =>
      f.runner.runners["job.cancel"]({
        id: commandId(),
        kind: "job.cancel",
        jobId,
        args: by ? { jobId, by } : { jobId },
        createdAt: Date.now(),
      }),
    reports: (jobId) => all().filter((r) => jobId === undefined || r.jobId === jobId),
    finished(jobId) {
      const r = all().filter((x) => x.jobId === jobId && x.kind === "job.finished");
      assert.equal(r.length, 1, `one job.finished for ${jobId}`);
      return r[0].body;
    },
    async waitFor(pred, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > end) throw new Error("timed out waiting");
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  try {
    await fn(f);
  } finally {
    for (const r of runners) await r.stop();
    captureLog("agent-job-runner", [
      ...outbox.take(100_000).map((r) => JSON.stringify(r)),
      ...logLines,
    ]);
    outbox.close();
    await new Promise((r) => setTimeout(r, 0));
    await rm(dir, { recursive: true, force: true });
  }
}

export interface SpecInput {
  jobId: string;
  kind: JobSpec["kind"];
  engine: JobSpec["engine"];
  location: JobSpec["repository"]["location"];
  passphrase: string;
  credentials?: Record<string, unknown>;
  ssh?: { privateKey: string; passphrase?: string; knownHosts?: string };
  plan?: Partial<Omit<NonNullable<JobSpec["plan"]>, "hooks">> & {
    hooks?: { pre?: string; post?: string };
  };
  options?: JobSpec["options"];
  timeoutMs?: number;
  repositoryId?: string;
}

/** A JobSpec with its secrets sealed to the fixture's agent. */
export async function makeSpec(f: RunnerFixture, s: SpecInput): Promise<Record<string, unknown>> {
  const repository: Record<string, unknown> = {
    id: s.repositoryId ?? "rep_1",
    name: "Main repository",
    location: s.location,
    passphrase: await f.seal("passphrase", s.passphrase),
  };
  if (s.credentials) {
    repository.credentials = await f.seal("credentials", JSON.stringify(s.credentials));
  }
  if (s.ssh) {
    repository.ssh = {
      privateKey: await f.seal("sshkey", s.ssh.privateKey),
      ...(s.ssh.passphrase ? { passphrase: await f.seal("sshpass", s.ssh.passphrase) } : {}),
      ...(s.ssh.knownHosts ? { knownHosts: s.ssh.knownHosts } : {}),
    };
  }
  const spec: Record<string, unknown> = {
    jobId: s.jobId,
    kind: s.kind,
    engine: s.engine,
    hostId: "hst_web1",
    repository,
    options: s.options ?? {},
    timeoutMs: s.timeoutMs ?? 0,
  };
  if (s.plan) {
    const { hooks, ...plan } = s.plan;
    spec.plan = {
      id: "pln_daily",
      name: "Daily",
      sources: [],
      excludes: [],
      excludeIfPresent: [],
      oneFileSystem: false,
      compression: null,
      tags: [],
      limits: {},
      retention: {},
      ...plan,
      ...(hooks ? { hooks: await f.seal("hooks", JSON.stringify(hooks)) } : {}),
    };
  }
  return spec;
}

/** Runs one job to its end and returns its job.finished body. */
export async function runToEnd(f: RunnerFixture, spec: Record<string, unknown>) {
  const accepted = await f.submit(spec);
  assert.equal(accepted.accepted, true, JSON.stringify(accepted));
  await f.runner.idle();
  return f.finished(spec.jobId as string) as {
    status: string;
    failureCode: string | null;
    message: string | null;
    tail: string;
    snapshotId?: string;
    result?: Record<string, unknown>;
    exitCode: number | null;
    durationMs: number;
  };
}

export async function cleanUp(path: string) {
  await rm(path, { recursive: true, force: true });
}
