/**
 * An index job's listing to the appliance (`POST /api/agent/v1/jobs/:jobId/listing`): the tool's
 * stdout is the request body, written as the tool prints it. The body is a stream with room for
 * a few chunks; the tool's writes wait while it is full (the drivers await the sink, and the
 * process seam stops reading the pipe), so a million-entry listing never sits in agent memory.
 * The upload opens a session of its own, so it does not depend on the channel's long poll.
 */
import * as v from "valibot";
import { AgentErrorSchema } from "../../server/contract/agent.ts";
import { IngestResultSchema, LISTING_FORMAT_HEADER } from "../../server/contract/index_api.ts";
import type { IngestResultView, ListingFormat } from "../../server/contract/index_api.ts";
import type { ApplianceClient } from "../client.ts";
import type { AgentIdentity } from "../identity.ts";
import type { Fetch } from "../platform/http.ts";
import { type AgentSession, authenticate } from "../session.ts";
import type { PinnedAppliance } from "../trust.ts";

export interface ListingUploader {
  upload(
    jobId: string,
    o: { format: ListingFormat; body: ReadableStream<Uint8Array>; signal: AbortSignal },
  ): Promise<IngestResultView>;
}

export class ListingRefusedError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "ListingRefusedError";
  }
}

/** A session token, renewed shortly before it expires. */
function sessionToken(deps: {
  client: ApplianceClient;
  identity: AgentIdentity;
  pinned: PinnedAppliance;
}): () => Promise<string> {
  let current: AgentSession | null = null;
  return async () => {
    if (!current || Date.now() >= current.renewAt) current = await authenticate(deps);
    return current.token;
  };
}

export function createListingUploader(deps: {
  client: ApplianceClient;
  identity: AgentIdentity;
  pinned: PinnedAppliance;
  fetch: Fetch;
}): ListingUploader {
  const token = sessionToken(deps);
  const base = deps.client.baseUrl;
  return {
    async upload(jobId, o) {
      const res = await deps.fetch(`${base}/api/agent/v1/jobs/${jobId}/listing`, {
        method: "POST",
        headers: {
          "content-type": "application/x-ndjson",
          authorization: `Bearer ${await token()}`,
          [LISTING_FORMAT_HEADER]: o.format,
        },
        body: o.body,
        signal: o.signal,
        // Node's fetch needs this for a streamed body; Deno ignores it.
        duplex: "half",
      } as RequestInit);
      const text = await res.text();
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        // Not JSON: the status alone says what happened.
      }
      if (res.status >= 400) {
        const e = v.safeParse(AgentErrorSchema, json);
        throw new ListingRefusedError(
          res.status,
          e.success ? e.output.error.code : `http_${res.status}`,
          e.success ? e.output.error.message : `The appliance answered ${res.status}`,
        );
      }
      const r = v.safeParse(IngestResultSchema, json);
      if (!r.success) throw new ListingRefusedError(res.status, "protocol", "Unexpected answer");
      return r.output;
    },
  };
}

/**
 * A body stream fed by writes that wait while it holds `chunks` chunks. After the reader
 * cancels (the upload failed), writes return at once and drop their chunk.
 */
export function createBodyPipe(chunks = 4) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let wake: (() => void) | null = null;
  let done = false;
  const resume = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const body = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    pull: resume,
    cancel() {
      done = true;
      resume();
    },
  }, { highWaterMark: chunks });
  return {
    body,
    async write(chunk: Uint8Array) {
      if (done) return;
      controller.enqueue(chunk);
      if ((controller.desiredSize ?? 1) <= 0) await new Promise<void>((r) => (wake = r));
    },
    close() {
      if (!done) controller.close();
      done = true;
    },
    fail(err: Error) {
      if (!done) controller.error(err);
      done = true;
      resume();
    },
  };
}
