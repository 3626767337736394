/**
 * The backups endpoints (SSH keys, repositories, plans, jobs, snapshots), typed by the server's
 * contract, over the PWA's one ApiClient. Made on demand by the backup screens, so none of it
 * weighs on the dashboard's first render.
 */
import type {
  AuthorizedKeysView,
  CreatedRepository,
  CreatePlan,
  CreateRepository,
  CreateSshKey,
  JobDetail,
  JobLogLine,
  JobStatus,
  JobView,
  PlanPreview,
  PlanView,
  RepositoryView,
  RunJob,
  SnapshotView,
  SshKeyView,
  UpdatePlan,
  UpdateRepository,
} from "../../../server/contract/backups.ts";
import type { JobKind } from "../../../server/contract/jobs.ts";
import type { ApiClient } from "./client.ts";
import { listOf, unwrap } from "./envelope.ts";

export interface JobsFilter {
  hostId?: string;
  planId?: string;
  repositoryId?: string;
  kind?: JobKind;
  status?: JobStatus;
  /** ISO 8601 times. */
  since?: string;
  until?: string;
  before?: string;
  limit?: number;
}

export interface JobsPage {
  jobs: JobView[];
  nextBefore: string | null;
}

export interface JobLogPage {
  lines: JobLogLine[];
  next: number | null;
}

const enc = encodeURIComponent;

export function createBackupsApi(client: ApiClient) {
  const key = (id: string) => `/api/ssh-keys/${enc(id)}`;
  const repo = (id: string) => `/api/repositories/${enc(id)}`;
  const plan = (id: string) => `/api/plans/${enc(id)}`;
  const job = (id: string) => `/api/jobs/${enc(id)}`;
  return {
    sshKeys: {
      list: async () => listOf<SshKeyView>(await client.get<unknown>("/api/ssh-keys")),
      get: async (id: string) => unwrap<SshKeyView>(await client.get<unknown>(key(id)), "sshKey"),
      create: async (body: CreateSshKey) =>
        unwrap<SshKeyView>(await client.send<unknown>("POST", "/api/ssh-keys", body), "sshKey"),
      remove: (id: string) => client.send<void>("DELETE", key(id)),
      authorizedKeys: (id: string, q: { repositoryId?: string; appendOnly?: boolean }) =>
        client.get<AuthorizedKeysView>(`${key(id)}/authorized-keys`, {
          repositoryId: q.repositoryId,
          appendOnly: q.appendOnly === undefined ? undefined : String(q.appendOnly),
        }),
    },
    repositories: {
      list: async () => listOf<RepositoryView>(await client.get<unknown>("/api/repositories")),
      get: async (id: string) =>
        unwrap<RepositoryView>(await client.get<unknown>(repo(id)), "repository"),
      create: (body: CreateRepository) =>
        client.send<CreatedRepository>("POST", "/api/repositories", body),
      update: async (id: string, body: UpdateRepository) =>
        unwrap<RepositoryView>(await client.send<unknown>("PATCH", repo(id), body), "repository"),
      remove: (id: string) => client.send<void>("DELETE", repo(id)),
    },
    plans: {
      list: async (hostId?: string) =>
        listOf<PlanView>(await client.get<unknown>("/api/plans", { hostId })),
      get: async (id: string) => unwrap<PlanView>(await client.get<unknown>(plan(id)), "plan"),
      create: async (body: CreatePlan) =>
        unwrap<PlanView>(await client.send<unknown>("POST", "/api/plans", body), "plan"),
      update: async (id: string, body: UpdatePlan) =>
        unwrap<PlanView>(await client.send<unknown>("PATCH", plan(id), body), "plan"),
      remove: (id: string) => client.send<void>("DELETE", plan(id)),
      preview: (id: string, hostId?: string) =>
        client.get<PlanPreview>(`${plan(id)}/preview`, { hostId }),
    },
    jobs: {
      run: async (body: RunJob) =>
        listOf<JobView>(await client.send<unknown>("POST", "/api/jobs", body)),
      list: (filter: JobsFilter) =>
        client.get<JobsPage>("/api/jobs", { ...filter } as Record<string, string | number>),
      get: (id: string) => client.get<JobDetail>(job(id)),
      log: (id: string, after = 0, limit = 1000) =>
        client.get<JobLogPage>(`${job(id)}/log`, { after, limit }),
      cancel: (id: string) => client.send<unknown>("POST", `${job(id)}/cancel`, {}),
      streamUrl: (id: string) => `${job(id)}/stream`,
    },
    snapshots: async (q: { repositoryId?: string; hostId?: string; planId?: string }) =>
      listOf<SnapshotView>(await client.get<unknown>("/api/snapshots", q)),
  };
}

export type BackupsApi = ReturnType<typeof createBackupsApi>;
