/**
 * Live job events for the SSE streams, in memory: who follows which job, the latest progress of
 * each running job (written to the database at most every 30 s and at the end: views read it
 * from here, and a running backup should cost the appliance's disk next to nothing), and the
 * last log seq published per
 * job, so a report the agent sends again is not shown twice.
 */
import type { JobDetail, JobLogLine } from "../contract/backups.ts";
import type { JobProgress } from "../contract/jobs.ts";

export type JobEvent =
  | { event: "job"; data: JobDetail }
  | { event: "progress"; data: JobProgress & { receivedAt: number } }
  | { event: "log"; data: JobLogLine }
  | { event: "end"; data: JobDetail };

export type JobListener = (e: JobEvent) => void;

export const PROGRESS_WRITE_MS = 30_000;

export function createJobHub() {
  const listeners = new Map<string, Set<JobListener>>();
  const progress = new Map<string, { value: JobProgress & { receivedAt: number } }>();
  const lastWrite = new Map<string, number>();
  const lastLogSeq = new Map<string, number>();
  const closers = new Set<() => void>();

  function publish(jobId: string, e: JobEvent) {
    for (const l of listeners.get(jobId) ?? []) {
      try {
        l(e);
      } catch {
        // one broken stream must not keep the event from the others; it is closed by its reader
      }
    }
  }

  return {
    publish,
    subscribe(jobId: string, l: JobListener, close: () => void): () => void {
      let set = listeners.get(jobId);
      if (!set) listeners.set(jobId, set = new Set());
      set.add(l);
      closers.add(close);
      return () => {
        set.delete(l);
        closers.delete(close);
        if (set.size === 0) listeners.delete(jobId);
      };
    },
    following: (jobId: string) => (listeners.get(jobId)?.size ?? 0) > 0,
    subscribers: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
    /** Ends every open stream (shutdown: the server waits for open responses). */
    closeAll() {
      for (const c of [...closers]) c();
    },
    /** Keeps and publishes a progress report; true when it is time to write it down. */
    noteProgress(jobId: string, p: JobProgress, now: number): boolean {
      const value = { ...p, receivedAt: now };
      progress.set(jobId, { value });
      publish(jobId, { event: "progress", data: value });
      if (now - (lastWrite.get(jobId) ?? -Infinity) < PROGRESS_WRITE_MS) return false;
      lastWrite.set(jobId, now);
      return true;
    },
    latestProgress: (jobId: string): JobProgress | null => {
      const p = progress.get(jobId)?.value;
      if (!p) return null;
      const { receivedAt: _, ...rest } = p;
      return rest;
    },
    /** Publishes a log line once per seq; false when it was published already. */
    noteLog(jobId: string, line: JobLogLine): boolean {
      if (line.seq <= (lastLogSeq.get(jobId) ?? -1)) return false;
      lastLogSeq.set(jobId, line.seq);
      publish(jobId, { event: "log", data: line });
      return true;
    },
    /** The job ended: its live state is no longer needed. */
    forget(jobId: string) {
      progress.delete(jobId);
      lastWrite.delete(jobId);
      lastLogSeq.delete(jobId);
    },
  };
}

export type JobHub = ReturnType<typeof createJobHub>;
