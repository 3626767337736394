/**
 * Streaming uploads to the appliance (`POST /api/agent/v1/streams/:streamId`): a dump's bytes
 * go out as one request body, pushed as the tool writes them. A write waits while the socket is
 * full, so the appliance (and the browser behind it) set the pace and the agent never holds more
 * than a frame. The upload authenticates with a session of its own, so it does not depend on
 * the channel's long poll.
 */
import * as v from "valibot";
import { AgentErrorSchema } from "../../server/contract/agent.ts";
import type { ApplianceClient } from "../client.ts";
import type { AgentIdentity } from "../identity.ts";
import type { Fetch } from "../platform/http.ts";
import { openRawPost, type RawResponse, type RawUpload } from "../platform/raw_upload.ts";
import { type AgentSession, authenticate } from "../session.ts";
import type { PinnedAppliance } from "../trust.ts";

export interface StreamUploader {
  /**
   * Opens the upload for `streamId`; its body is written with the answer's `write()`. `size` is
   * the file's size (announced to the appliance); `length`, when known, is exactly how many bytes
   * the body will have (a preview sends fewer than the file's size).
   */
  open(streamId: string, o: { size?: number; length?: number; signal: AbortSignal }): StreamUpload;
}

/** One upload. Writes are made one at a time (each awaited before the next). */
export interface StreamUpload {
  /** Takes a copy of `chunk` (the caller may reuse its buffer once this settles). */
  write(chunk: Uint8Array): Promise<void>;
  /** Ends the body; settles like `answer`. */
  end(): Promise<{ bytes: number | null }>;
  /**
   * What the appliance answered, or why the upload failed. Settling before `end()` means the
   * appliance stopped reading (the browser went away). `bytes` is what it relayed, when it
   * counted them.
   */
  answer: Promise<{ bytes: number | null }>;
  abort(): void;
}

export class UploadRefusedError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "UploadRefusedError";
  }
}

/** A session token, renewed shortly before it expires. */
export function sessionSource(deps: {
  client: ApplianceClient;
  identity: AgentIdentity;
  pinned: PinnedAppliance;
  now?: () => number;
}): () => Promise<string> {
  const now = deps.now ?? Date.now;
  let current: AgentSession | null = null;
  return async () => {
    if (!current || now() >= current.renewAt) current = await authenticate(deps);
    return current.token;
  };
}

/** The fetch fallback: a stream body, each chunk copied (the caller reuses its buffers). */
function viaFetch(
  fetch: Fetch,
  url: string,
  o: { headers: Record<string, string>; signal: AbortSignal },
): RawUpload {
  const ts = new TransformStream<Uint8Array, Uint8Array>(undefined, { highWaterMark: 4 }, {
    highWaterMark: 4,
  });
  const writer = ts.writable.getWriter();
  const answer = (async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: o.headers,
      body: ts.readable,
      signal: o.signal,
      // Node's fetch needs this for a streamed body; Deno ignores it.
      duplex: "half",
    } as RequestInit);
    return { status: res.status, text: await res.text() };
  })();
  answer.catch(() => {/* read by whoever awaits it */});
  return {
    answer,
    async write(chunk) {
      await writer.ready;
      writer.write(chunk.slice()).catch(() => {/* the answer says why */});
    },
    async end() {
      await writer.close();
      return await answer;
    },
    abort: () => void writer.abort().catch(() => {/* failed already */}),
  };
}

export function createStreamUploader(deps: {
  baseUrl: string;
  fetch: Fetch;
  token: () => Promise<string>;
  /** Upload over a socket of our own (Deno; see platform/raw_upload.ts) instead of fetch. */
  raw?: boolean;
}): StreamUploader {
  const base = deps.baseUrl.replace(/\/+$/, "");
  return {
    open(streamId, o) {
      const opened = (async () => {
        const headers: Record<string, string> = {
          "content-type": "application/octet-stream",
          authorization: `Bearer ${await deps.token()}`,
        };
        if (o.size !== undefined) headers["x-cairn-file-size"] = String(o.size);
        const url = `${base}/api/agent/v1/streams/${streamId}`;
        return deps.raw
          ? await openRawPost(url, { headers, signal: o.signal, length: o.length })
          : viaFetch(deps.fetch, url, { headers, signal: o.signal });
      })();
      const answer = opened.then((up) => up.answer).then(understood);
      answer.catch(() => {/* read by whoever awaits it */});
      return {
        answer,
        write: async (chunk) => await (await opened).write(chunk),
        end: async () => understood(await (await opened).end()),
        abort: () => void opened.then((up) => up.abort(), () => {/* never opened */}),
      };
    },
  };
}

/** The appliance's answer: a count, or the refusal as an error. */
function understood(res: RawResponse): { bytes: number | null } {
  let json: unknown = null;
  try {
    json = res.text ? JSON.parse(res.text) : null;
  } catch {
    // Not JSON: the status alone says what happened.
  }
  if (res.status >= 400) {
    const e = v.safeParse(AgentErrorSchema, json);
    const code = e.success ? e.output.error.code : "http_" + res.status;
    const message = e.success ? e.output.error.message : `The appliance answered ${res.status}`;
    throw new UploadRefusedError(res.status, code, message);
  }
  const bytes = (json as { bytes?: unknown } | null)?.bytes;
  return { bytes: typeof bytes === "number" ? bytes : null };
}
