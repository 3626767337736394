/**
 * One job's live view as signals: the job, its progress, the log (repeats dropped by `seq`,
 * the newest lines kept) and the state of the connection. The job page makes one per job id.
 */
import { signal } from "@preact/signals";
import type { BackupsApi } from "../api/backups_api.ts";
import { followJob } from "../api/job_stream.ts";
import type { FollowOptions, StreamState } from "../api/job_stream.ts";
import type { JobDetail, JobLogLine } from "../../../server/contract/backups.ts";
import type { JobProgress } from "../../../server/contract/jobs.ts";

export const MAX_LOG_LINES = 5000;

/** `lines` with `more` added in seq order, repeats dropped, at most `max` of the newest kept. */
export function mergeLines(
  lines: JobLogLine[],
  more: JobLogLine[],
  max = MAX_LOG_LINES,
): JobLogLine[] {
  const last = lines.length ? lines[lines.length - 1].seq : -Infinity;
  const fresh = more.filter((l) => l.seq > last);
  if (fresh.length === more.length && fresh.length > 0) {
    const out = lines.concat(fresh);
    return out.length > max ? out.slice(-max) : out;
  }
  // Out of order or overlapping: rebuild by seq.
  const bySeq = new Map<number, JobLogLine>();
  for (const l of lines) bySeq.set(l.seq, l);
  for (const l of more) bySeq.set(l.seq, l);
  const out = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return out.length > max ? out.slice(-max) : out;
}

export function createJobFollowStore(api: BackupsApi, id: string, opts: FollowOptions = {}) {
  const job = signal<JobDetail | null>(null);
  const progress = signal<JobProgress | null>(null);
  const lines = signal<JobLogLine[]>([]);
  const state = signal<StreamState>("loading");
  const error = signal<unknown>(null);

  const start = () =>
    followJob(api, id, {
      onReset(j, l) {
        job.value = j;
        progress.value = j.progress;
        lines.value = mergeLines([], l);
      },
      onJob(j) {
        job.value = j;
        if (j.progress) progress.value = j.progress;
      },
      onProgress(p) {
        progress.value = p;
      },
      onLog(l) {
        lines.value = mergeLines(lines.value, [l]);
      },
      onState(s, err) {
        state.value = s;
        error.value = err ?? null;
      },
    }, opts);

  return { job, progress, lines, state, error, start };
}

export type JobFollowStore = ReturnType<typeof createJobFollowStore>;
