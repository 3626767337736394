/**
 * A job's live stream as text/event-stream: `job` (the full detail), the stored log as `log`
 * events, then live `progress`, `log` and `job` events, and `end` before the stream closes.
 * Events are enqueued as they are published (never awaited), so a slow reader cannot hold up
 * report ingest; closing the tab cancels the body, which drops the subscription. A comment line
 * every 15 s keeps proxies from closing an idle stream.
 */
import type { JobDetail } from "../contract/backups.ts";
import type { JobEvent } from "./hub.ts";
import type { JobsService } from "./service.ts";

export const KEEP_ALIVE_MS = 15_000;
const LOG_PAGE = 1000;

function frame(e: JobEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

export async function jobStreamResponse(jobs: JobsService, jobId: string): Promise<Response> {
  const first = await jobs.get(jobId); // 404 before any stream is opened
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let unsubscribe = () => {};
  let timer: ReturnType<typeof setInterval> | undefined;
  const send = (text: string) => {
    if (!closed) controller.enqueue(encoder.encode(text));
  };
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    unsubscribe();
    try {
      controller.close();
    } catch {
      // the reader cancelled first: nothing left to close
    }
  };
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      closed = true;
      clearInterval(timer);
      unsubscribe();
    },
  });

  // Live events wait in `early` until the stored state has gone out, so none is lost or doubled.
  let early: JobEvent[] | null = [];
  let lastSeq = -1;
  const deliver = (e: JobEvent) => {
    if (e.event === "log") {
      if (e.data.seq <= lastSeq) return;
      lastSeq = e.data.seq;
    }
    send(frame(e));
    if (e.event === "end") finish();
  };
  unsubscribe = jobs.subscribe(jobId, (e) => early ? early.push(e) : deliver(e), finish);

  void (async () => {
    try {
      let detail: JobDetail = first;
      send(frame({ event: "job", data: detail }));
      for (let after = -1;;) {
        const page = await jobs.log(jobId, { after, limit: LOG_PAGE });
        for (const line of page.lines) deliver({ event: "log", data: line });
        if (page.lines.length < LOG_PAGE) break;
        after = page.next;
      }
      const pending = early ?? [];
      early = null;
      for (const e of pending) deliver(e);
      if (closed) return;
      detail = await jobs.get(jobId);
      if (jobs.isTerminal(detail.status)) {
        if (detail.status !== first.status) send(frame({ event: "job", data: detail }));
        send(frame({ event: "end", data: detail }));
        finish();
        return;
      }
      timer = setInterval(() => send(": keep-alive\n\n"), KEEP_ALIVE_MS);
    } catch {
      finish(); // the job vanished or the database closed: the client reconnects and reloads
    }
  })();

  return new Response(stream, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
}
