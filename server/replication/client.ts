/**
 * The standby's side of the wire: signed requests to the paired appliance, answers checked
 * against its pinned key before anything acts on them. A refusal from the other side becomes a
 * PeerRefusal carrying its code, so the tailer can tell "bootstrap again" from a network fault.
 */
import { open, rename, rm } from "node:fs/promises";
import { createHash } from "node:crypto";
import * as v from "valibot";
import type { ApplianceIdentity } from "../agent_channel/identity.ts";
import { verifySignature } from "../contract/agent_crypto.ts";
import {
  ChangeBatchSchema,
  peerStatusFields,
  PeerStatusSchema,
  REPLICATION_HEADERS as H,
  REPLICATION_SIGN_CONTEXT,
} from "../contract/replication.ts";
import type { ChangeBatch, PeerStatus } from "../contract/replication.ts";
import { signedRequestHeaders, verifyBody } from "./signing.ts";

export class PeerRefusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "PeerRefusal";
  }
}

export interface PeerClient {
  changes(
    after: number,
    opts: { waitMs: number; limit?: number; signal?: AbortSignal },
  ): Promise<ChangeBatch>;
  snapshot(toFile: string, signal?: AbortSignal): Promise<{ position: number; epoch: number }>;
  status(signal?: AbortSignal): Promise<PeerStatus>;
}

export function createPeerClient(deps: {
  identity: ApplianceIdentity;
  peer: () => { url: string; key: string };
  epoch: () => number;
  now: () => number;
}): PeerClient {
  const request = async (path: string, signal?: AbortSignal) => {
    const peer = deps.peer();
    const headers = await signedRequestHeaders(deps.identity, {
      method: "GET",
      path,
      epoch: deps.epoch(),
      now: deps.now(),
    });
    const res = await fetch(new URL(path, peer.url), { headers, signal });
    if (!res.ok) {
      const body = await res.json().catch(() => null) as
        | { error?: { code?: string; message?: string } }
        | null;
      throw new PeerRefusal(
        res.status,
        body?.error?.code ?? "http_error",
        body?.error?.message ?? `The peer answered HTTP ${res.status}`,
      );
    }
    return { res, key: peer.key };
  };
  const signedJson = async (path: string, context: string, signal?: AbortSignal) => {
    const { res, key } = await request(path, signal);
    const text = await res.text();
    if (!(await verifyBody(key, context, text, res.headers.get(H.signature) ?? ""))) {
      throw new PeerRefusal(
        502,
        "bad_signature",
        "The peer's answer is not signed by its pinned key",
      );
    }
    return JSON.parse(text) as unknown;
  };
  return {
    async changes(after, opts) {
      const q = `after=${after}&wait=${opts.waitMs}&limit=${opts.limit ?? 2000}`;
      const body = await signedJson(
        `/api/replication/v1/changes?${q}`,
        REPLICATION_SIGN_CONTEXT.batch,
        opts.signal,
      );
      return v.parse(ChangeBatchSchema, body);
    },
    async snapshot(toFile, signal) {
      const { res, key } = await request("/api/replication/v1/snapshot", signal);
      const position = Number(res.headers.get(H.position));
      const epoch = Number(res.headers.get(H.epoch));
      const sha = res.headers.get(H.sha256) ?? "";
      const signature = res.headers.get(H.signature) ?? "";
      const part = `${toFile}.part`;
      const hash = createHash("sha256");
      const handle = await open(part, "w", 0o600);
      try {
        for await (const chunk of res.body!) {
          hash.update(chunk);
          await handle.write(chunk);
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      const ok = hash.digest("hex") === sha &&
        await verifySignature(key, signature, {
          context: REPLICATION_SIGN_CONTEXT.snapshot,
          fields: [String(position), String(epoch), sha],
        });
      if (!ok) {
        await rm(part, { force: true });
        throw new PeerRefusal(
          502,
          "bad_signature",
          "The snapshot is damaged or not signed by the primary",
        );
      }
      await rename(part, toFile);
      return { position, epoch };
    },
    async status(signal) {
      const body = await signedJson(
        "/api/replication/v1/status",
        REPLICATION_SIGN_CONTEXT.status,
        signal,
      );
      const s = v.parse(PeerStatusSchema, body);
      const { signature, ...rest } = s;
      const ok = await verifySignature(deps.peer().key, signature, {
        context: REPLICATION_SIGN_CONTEXT.status,
        fields: peerStatusFields(rest),
      });
      if (!ok) throw new PeerRefusal(502, "bad_signature", "The peer's status is not signed");
      return s;
    },
  };
}
