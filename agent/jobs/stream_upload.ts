/**
 * Streaming uploads to the appliance (`POST /api/agent/v1/streams/:streamId`): a dump's bytes
 * go out as one request body, produced as the tool writes them. `fetch` pulls the body only as
 * fast as the socket drains, so the appliance (and the browser behind it) set the pace and the
 * agent never holds more than a chunk or two. The upload authenticates with a session of its
 * own, so it does not depend on the channel's long poll.
 */
import * as v from "valibot";
import { AgentErrorSchema } from "../../server/contract/agent.ts";
import type { ApplianceClient } from "../client.ts";
import type { AgentIdentity } from "../identity.ts";
import type { Fetch } from "../platform/http.ts";
import { rawPost, type RawResponse } from "../platform/raw_upload.ts";
import { type AgentSession, authenticate } from "../session.ts";
import type { PinnedAppliance } from "../trust.ts";

export interface StreamUploader {
  /** Sends `body` under `streamId`; resolves with what the appliance counted. */
  upload(
    streamId: string,
    body: ReadableStream<Uint8Array>,
    o: { size?: number; signal: AbortSignal },
  ): Promise<{ bytes: number }>;
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

async function viaFetch(
  fetch: Fetch,
  url: string,
  o: { headers: Record<string, string>; body: ReadableStream<Uint8Array>; signal: AbortSignal },
): Promise<RawResponse> {
  const res = await fetch(url, {
    method: "POST",
    headers: o.headers,
    body: o.body,
    signal: o.signal,
    // Node's fetch needs this for a streamed body; Deno ignores it.
    duplex: "half",
  } as RequestInit);
  return { status: res.status, text: await res.text() };
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
    async upload(streamId, body, o) {
      const headers: Record<string, string> = {
        "content-type": "application/octet-stream",
        authorization: `Bearer ${await deps.token()}`,
      };
      if (o.size !== undefined) headers["x-cairn-file-size"] = String(o.size);
      const url = `${base}/api/agent/v1/streams/${streamId}`;
      const res = deps.raw
        ? await rawPost(url, { headers, body, signal: o.signal })
        : await viaFetch(deps.fetch, url, { headers, body, signal: o.signal });
      const text = res.text;
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
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
      return { bytes: typeof bytes === "number" ? bytes : 0 };
    },
  };
}
