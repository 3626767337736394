/**
 * Follows one job live: its full state first (the job and its whole log over plain GETs), then
 * the appliance's event stream (`/api/jobs/:id/stream`: job, progress, log, end). When the stream
 * breaks, the full state is loaded again before following resumes, so nothing said while the
 * connection was down is missed; log lines carry a `seq`, so the caller can drop repeats.
 */
import type { JobDetail, JobLogLine } from "../../../server/contract/backups.ts";
import { ACTIVE_JOB_STATUSES } from "../../../server/contract/backups.ts";
import type { JobProgress } from "../../../server/contract/jobs.ts";
import type { BackupsApi } from "./backups_api.ts";
import { ApiError } from "./client.ts";

export type StreamState = "loading" | "live" | "reconnecting" | "ended" | "error";

export interface JobFollower {
  /** The full state, on start and after every reconnect. */
  onReset(job: JobDetail, lines: JobLogLine[]): void;
  onJob(job: JobDetail): void;
  onProgress(progress: JobProgress & { receivedAt?: number }): void;
  onLog(line: JobLogLine): void;
  onState(state: StreamState, error?: unknown): void;
}

/** The part of EventSource used here (a test can drive its own). */
export interface EventSourceLike {
  addEventListener(type: string, listener: (e: Event) => void): void;
  close(): void;
  onerror: ((e: Event) => void) | null;
}

export interface FollowOptions {
  makeEventSource?: (url: string) => EventSourceLike;
  /** First retry delay; doubles up to 30 s while the appliance stays away. */
  retryMs?: number;
  /** Log lines kept from the full load (the newest). */
  maxLines?: number;
}

const LOG_PAGE = 1000;

/** The job and its log, newest `maxLines` lines at most. */
export async function loadJobState(
  api: BackupsApi,
  id: string,
  maxLines = 5000,
): Promise<{ job: JobDetail; lines: JobLogLine[] }> {
  const job = await api.jobs.get(id);
  let lines: JobLogLine[] = [];
  let after = 0;
  for (let page = 0; page < 100; page++) {
    const got = await api.jobs.log(id, after, LOG_PAGE);
    lines = lines.concat(got.lines);
    if (lines.length > maxLines) lines = lines.slice(-maxLines);
    if (got.lines.length === 0 || typeof got.next !== "number" || got.next <= after) break;
    after = got.next;
  }
  return { job, lines };
}

export const isActive = (job: { status: string }) =>
  (ACTIVE_JOB_STATUSES as ReadonlyArray<string>).includes(job.status);

/** Starts following; returns the function that stops it. */
export function followJob(
  api: BackupsApi,
  id: string,
  to: JobFollower,
  opts: FollowOptions = {},
): () => void {
  const make = opts.makeEventSource ?? ((url: string) => new EventSource(url));
  const firstDelay = opts.retryMs ?? 1000;
  let delay = firstDelay;
  let stopped = false;
  let source: EventSourceLike | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const parse = <T>(e: Event): T | null => {
    try {
      return JSON.parse((e as MessageEvent<string>).data) as T;
    } catch {
      return null; // a torn or foreign event: the next full reload puts things right
    }
  };

  const retry = (err?: unknown) => {
    source?.close();
    source = null;
    if (stopped) return;
    to.onState("reconnecting", err);
    timer = setTimeout(() => void load(), delay);
    delay = Math.min(delay * 2, 30_000);
  };

  const open = () => {
    const es = make(api.jobs.streamUrl(id));
    source = es;
    es.addEventListener("job", (e) => {
      const job = parse<JobDetail>(e);
      if (job) to.onJob(job);
    });
    es.addEventListener("progress", (e) => {
      const p = parse<JobProgress>(e);
      if (p) to.onProgress(p);
    });
    es.addEventListener("log", (e) => {
      const line = parse<JobLogLine>(e);
      if (line) to.onLog(line);
    });
    es.addEventListener("end", (e) => {
      const job = parse<JobDetail>(e);
      if (job) to.onJob(job);
      es.close();
      source = null;
      to.onState("ended");
    });
    es.addEventListener("open", () => {
      delay = firstDelay;
      to.onState("live");
    });
    es.onerror = () => retry();
  };

  const load = async () => {
    try {
      const { job, lines } = await loadJobState(api, id, opts.maxLines);
      if (stopped) return;
      to.onReset(job, lines);
      if (isActive(job)) open();
      else to.onState("ended");
    } catch (err) {
      // Not found or not allowed will not change by asking again; anything else may.
      const final = err instanceof ApiError && err.status >= 400 && err.status < 500 &&
        err.status !== 429;
      if (final) to.onState("error", err);
      else retry(err);
    }
  };

  to.onState("loading");
  void load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
    source = null;
  };
}
