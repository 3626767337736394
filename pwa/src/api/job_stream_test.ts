/**
 * followJob's reconnect rule with a hand-driven event source: a broken stream is followed by a
 * full reload (job and log) before a new stream opens, and repeats are dropped by seq.
 */
import assert from "node:assert/strict";
import type { JobDetail, JobLogLine } from "../../../server/contract/backups.ts";
import { createJobFollowStore } from "../state/job_follow_store.ts";
import type { BackupsApi } from "./backups_api.ts";

class HandSource {
  static opened: HandSource[] = [];
  onerror: ((e: Event) => void) | null = null;
  closed = false;
  private listeners = new Map<string, (e: Event) => void>();
  constructor(readonly url: string) {
    HandSource.opened.push(this);
  }
  addEventListener(type: string, fn: (e: Event) => void) {
    this.listeners.set(type, fn);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data?: unknown) {
    this.listeners.get(type)?.(new MessageEvent(type, { data: JSON.stringify(data) }));
  }
}

const line = (seq: number): JobLogLine => ({
  seq,
  at: "2026-11-23T05:00:00Z",
  level: "info",
  source: "tool",
  text: `line ${seq}`,
});

function apiOver(state: { job: Partial<JobDetail>; lines: JobLogLine[]; gets: number }) {
  return {
    jobs: {
      get: () => {
        state.gets++;
        return Promise.resolve(state.job as JobDetail);
      },
      log: (_id: string, after: number) => {
        const lines = state.lines.filter((l) => l.seq > after);
        return Promise.resolve({ lines, next: lines.at(-1)?.seq ?? after });
      },
      streamUrl: (id: string) => `/api/jobs/${id}/stream`,
    },
  } as unknown as BackupsApi;
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

Deno.test("a broken stream reloads the whole job before following again; nothing doubles", async () => {
  const state = {
    job: { id: "job_1", status: "running", progress: null } as Partial<JobDetail>,
    lines: [line(1), line(2)],
    gets: 0,
  };
  const store = createJobFollowStore(apiOver(state), "job_1", {
    makeEventSource: (url) => new HandSource(url),
    retryMs: 1,
  });
  const stop = store.start();
  try {
    await tick();
    assert.equal(HandSource.opened.length, 1);
    const first = HandSource.opened[0];
    first.emit("open");
    assert.equal(store.state.value, "live");
    first.emit("log", line(2));
    first.emit("log", line(3));
    first.emit("progress", { percent: 40 });
    assert.deepEqual(store.lines.value.map((l) => l.seq), [1, 2, 3]);
    assert.equal(store.progress.value?.percent, 40);

    // The connection drops; meanwhile the job logged more and finished.
    state.lines.push(line(3), line(4));
    state.job = { ...state.job, status: "failed", message: "Disk full" };
    first.onerror?.(new Event("error"));
    assert.equal(first.closed, true);
    assert.equal(store.state.value, "reconnecting");
    await tick(30);
    assert.equal(state.gets, 2, "the job was loaded again");
    assert.deepEqual(store.lines.value.map((l) => l.seq), [1, 2, 3, 4]);
    assert.equal(store.job.value?.status, "failed");
    assert.equal(store.state.value, "ended");
    assert.equal(HandSource.opened.length, 1, "a finished job is not followed again");
  } finally {
    stop();
  }
});
