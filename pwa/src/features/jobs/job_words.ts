/** Plain words and badges for job kinds, statuses and failure codes. */
import type { JobStatus } from "../../../../server/contract/backups.ts";
import type { FailureCode, JobKind } from "../../../../server/contract/jobs.ts";

export const KIND_LABEL: Record<JobKind, string> = {
  backup: "Backup",
  forget: "Forget (retention)",
  prune: "Prune",
  compact: "Compact",
  check: "Check",
  unlock: "Break lock",
  locks: "Look at locks",
  stats: "Refresh stats",
  snapshots: "Refresh snapshots",
  init: "Initialise",
  test: "Test connection",
  index: "Index files",
  restore: "Restore",
  dump: "Download",
  drill: "Restore drill",
};

export const STATUS_LABEL: Record<JobStatus, string> = {
  queued: "Queued",
  sent: "Sent to host",
  running: "Running",
  ok: "Succeeded",
  warning: "Finished with warnings",
  failed: "Failed",
  cancelled: "Cancelled",
};

const STATUS_TONE: Partial<Record<JobStatus, string>> = {
  ok: "badge--good",
  warning: "badge--warn",
  failed: "badge--bad",
  running: "badge--live",
  sent: "badge--live",
};

export function statusBadge(status: JobStatus): string {
  return `badge badge--words ${STATUS_TONE[status] ?? ""}`.trim();
}

export const FAILURE_LABEL: Record<FailureCode, string> = {
  wrong_password: "Wrong passphrase",
  locked: "Repository is locked",
  repo_missing: "Repository not found",
  disk_full: "Disk full",
  unreachable: "Repository unreachable",
  permission_denied: "Permission denied",
  wrong_engine: "Not a repository of this kind",
  hook_failed: "A hook failed",
  invalid: "Invalid settings",
  append_only: "Refused: append-only",
  timeout: "Timed out",
  agent_restarted: "The agent restarted",
  unknown: "Unknown failure",
};

/** "Backup · nightly on web-1" */
export function jobTitle(
  job: { kind: JobKind; plan: { name: string } | null; host: { name: string } },
): string {
  const what = job.plan ? `${KIND_LABEL[job.kind]} · ${job.plan.name}` : KIND_LABEL[job.kind];
  return `${what} on ${job.host.name}`;
}
