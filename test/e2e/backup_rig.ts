/**
 * A whole Cairn for backup tests and benchmarks: the real appliance process, real agents
 * (`deno run agent/main.ts run`) enrolled and approved with tags, and helpers to create
 * repositories and plans and to run jobs through the browser API, as a user would. Every job
 * log it reads is captured for the suite's secret scan.
 */
import type { JobDetail, JobLogLine, JobView, PlanView } from "../../server/contract/backups.ts";
import type { RepositoryView } from "../../server/contract/backups.ts";
import { captureLog } from "../helpers/log_capture.ts";
import {
  type AgentProcess,
  type Appliance,
  enrollApproved,
  removeDirs,
  spawnAgent,
  startAppliance,
  tempDir,
  waitFor,
} from "../agents/procs.ts";

export interface RigAgent {
  hostId: string;
  stateDir: string;
  process: AgentProcess;
}

export interface BackupRig {
  appliance: Appliance;
  agents: RigAgent[];
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  createRepository(
    body: Record<string, unknown>,
  ): Promise<{ repository: RepositoryView; passphrase?: string }>;
  createPlan(body: Record<string, unknown>): Promise<PlanView>;
  /** Starts jobs (POST /api/jobs) and returns them. */
  run(body: Record<string, unknown>): Promise<JobView[]>;
  /** Waits for a job to end and returns it with its log (captured for the secret scan). */
  finish(jobId: string, timeoutMs?: number): Promise<{ job: JobDetail; log: JobLogLine[] }>;
  close(): Promise<void>;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    super(`API answered ${status}: ${JSON.stringify(body)}`);
  }
}

export async function startBackupRig(
  opts: { agents?: Array<{ tags?: string[] }>; env?: Record<string, string> } = {},
): Promise<BackupRig> {
  const appliance = await startAppliance({ env: opts.env });
  const agents: RigAgent[] = [];
  const dirs: string[] = [];
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await appliance.admin.json<T>(method, path, body);
    if (r.status >= 400) throw new ApiError(r.status, r.body);
    return r.body;
  };
  try {
    for (const a of opts.agents ?? [{}]) {
      const stateDir = await tempDir("cairn-rig-agent-");
      dirs.push(stateDir);
      const hostId = await enrollApproved(appliance, stateDir, { tags: a.tags ?? [] });
      agents.push({ hostId, stateDir, process: spawnAgent(["run"], { stateDir }) });
    }
    for (const a of agents) {
      await waitFor(`agent ${a.hostId} online`, async () => {
        const r = await api<{ host: { status: string } }>("GET", `/api/hosts/${a.hostId}`);
        return r.host.status === "online";
      }, 30_000);
    }
  } catch (err) {
    for (const a of agents) await a.process.kill("SIGKILL");
    await appliance.stop();
    await removeDirs(...dirs);
    throw err;
  }

  return {
    appliance,
    agents,
    api,
    createRepository: (body) => api("POST", "/api/repositories", body),
    createPlan: async (body) => (await api<{ plan: PlanView }>("POST", "/api/plans", body)).plan,
    run: async (body) => (await api<{ jobs: JobView[] }>("POST", "/api/jobs", body)).jobs,
    async finish(jobId, timeoutMs = 120_000) {
      const job = await waitFor(`job ${jobId} to end`, async () => {
        const j = await api<JobDetail>("GET", `/api/jobs/${jobId}`);
        return ["ok", "warning", "failed", "cancelled"].includes(j.status) ? j : null;
      }, timeoutMs);
      const { lines } = await api<{ lines: JobLogLine[] }>("GET", `/api/jobs/${jobId}/log`);
      captureLog("job-logs", [
        `job ${jobId} ${job.kind} ${job.status}: ${job.message ?? ""}`,
        job.command ?? "",
        job.tail ?? "",
        JSON.stringify(job.result ?? {}),
        ...lines.map((l) => `[${l.level}/${l.source}] ${l.text}`),
      ]);
      return { job, log: lines };
    },
    async close() {
      for (const a of agents) await a.process.kill("SIGTERM");
      await appliance.stop();
      await removeDirs(...dirs);
    },
  };
}
