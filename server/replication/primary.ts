/**
 * The answers an appliance gives its paired peer: change batches (long-poll) and snapshots when
 * it is the primary, a signed status always (fencing reads it). Every request was verified by
 * the caller; a request from a peer at a higher epoch means this appliance was replaced and
 * fences itself before answering.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type { ApplianceIdentity } from "../agent_channel/identity.ts";
import {
  peerStatusFields,
  REPLICATION_HEADERS as H,
  REPLICATION_SIGN_CONTEXT,
} from "../contract/replication.ts";
import type { ChangeBatch, PeerStatus } from "../contract/replication.ts";
import { makeSnapshot, removeFile } from "./bootstrap.ts";
import { lastPosition } from "./capture.ts";
import { ReplicationRefusedError } from "./errors.ts";
import { canServeAfter, logHead, readChanges } from "./log.ts";
import type { SqlConn } from "./repo.ts";
import { signBody } from "./signing.ts";
import { epochStart, readState, updateState } from "./state.ts";

export interface ServeDeps {
  conn: SqlConn;
  identity: ApplianceIdentity;
  now: () => number;
  /** Resolves when the log may have grown (or after a short while). */
  waitForChange(ms: number, signal: AbortSignal): Promise<void>;
  /** Called when a peer at a higher epoch shows this appliance was replaced. */
  onStale(peerEpoch: number): void;
}

export function assertServingPrimary(deps: ServeDeps, peerEpoch: number): void {
  const state = readState(deps.conn);
  if (peerEpoch > state.epoch) {
    deps.onStale(peerEpoch);
    throw new ReplicationRefusedError(
      "not_primary",
      `This appliance was replaced: the peer is at epoch ${peerEpoch}, this one at ${state.epoch}`,
    );
  }
  if (state.role !== "primary") {
    throw new ReplicationRefusedError("not_primary", "This appliance is a standby, not a primary");
  }
}

/** Refuses a position this log cannot continue: trimmed away, or past a divergence. */
function checkPosition(deps: ServeDeps, after: number, peerEpoch: number): void {
  const state = readState(deps.conn);
  if (peerEpoch < state.epoch) {
    const start = epochStart(deps.conn, peerEpoch + 1);
    if (start !== null && after !== start) {
      throw new ReplicationRefusedError(
        "bootstrap_required",
        `Position ${after} of epoch ${peerEpoch} is not on this primary's history (epoch ${
          peerEpoch + 1
        } began after ${start}): bootstrap again`,
      );
    }
  }
  if (!canServeAfter(deps.conn, after)) {
    throw new ReplicationRefusedError(
      "bootstrap_required",
      `The change log no longer holds what follows position ${after}: bootstrap again`,
    );
  }
}

export async function serveChanges(
  deps: ServeDeps,
  q: { after: number; waitMs: number; limit: number; peerEpoch: number; signal: AbortSignal },
): Promise<{ body: string; signature: string }> {
  assertServingPrimary(deps, q.peerEpoch);
  checkPosition(deps, q.after, q.peerEpoch);
  const state = readState(deps.conn);
  if (q.after > state.ackedPosition) {
    deps.conn.write(() =>
      updateState(deps.conn, { ackedPosition: q.after, ackedAt: deps.now() }, deps.now())
    );
  }
  const deadline = Date.now() + Math.min(q.waitMs, 25_000);
  while (lastPosition(deps.conn) <= q.after && Date.now() < deadline && !q.signal.aborted) {
    await deps.waitForChange(Math.min(deadline - Date.now(), 1000), q.signal);
  }
  const entries = readChanges(deps.conn, q.after, Math.min(Math.max(q.limit, 1), 5000));
  const head = logHead(deps.conn);
  const batch: ChangeBatch = {
    epoch: readState(deps.conn).epoch,
    primaryId: deps.identity.applianceId,
    after: q.after,
    last: entries.length ? entries[entries.length - 1].position : q.after,
    head: head.position,
    headAt: head.at,
    entries,
  };
  const body = JSON.stringify(batch);
  return { body, signature: await signBody(deps.identity, REPLICATION_SIGN_CONTEXT.batch, body) };
}

/** `leaseGranted` only in an answer to the paired primary (the service decides, lease.ts). */
export async function serveStatus(
  deps: ServeDeps,
  leaseGranted?: boolean,
): Promise<{ body: string; signature: string }> {
  const state = readState(deps.conn);
  const unsigned: Omit<PeerStatus, "signature"> = {
    applianceId: deps.identity.applianceId,
    role: state.role,
    epoch: state.epoch,
    position: state.role === "primary" ? lastPosition(deps.conn) : state.appliedPosition,
    time: deps.now(),
    ...(leaseGranted === undefined ? {} : { leaseGranted }),
  };
  const status: PeerStatus = {
    ...unsigned,
    signature: await deps.identity.signer.sign(
      REPLICATION_SIGN_CONTEXT.status,
      peerStatusFields(unsigned),
    ),
  };
  const body = JSON.stringify(status);
  return { body, signature: await signBody(deps.identity, REPLICATION_SIGN_CONTEXT.status, body) };
}

/** A snapshot of the whole state file for a bootstrapping standby, signed; removed once sent. */
export async function serveSnapshot(deps: ServeDeps, o: { peerEpoch: number; dir: string }) {
  assertServingPrimary(deps, o.peerEpoch);
  const snap = await makeSnapshot(deps.conn, o.dir);
  const signature = await deps.identity.signer.sign(REPLICATION_SIGN_CONTEXT.snapshot, [
    String(snap.position),
    String(snap.epoch),
    snap.sha256,
  ]);
  const nodeStream = createReadStream(snap.path);
  nodeStream.on("close", () => void removeFile(snap.path));
  return {
    headers: {
      "content-type": "application/vnd.sqlite3",
      "content-length": String(snap.size),
      [H.position]: String(snap.position),
      [H.epoch]: String(snap.epoch),
      [H.sha256]: snap.sha256,
      [H.signature]: signature,
    },
    stream: Readable.toWeb(nodeStream) as ReadableStream<Uint8Array>,
  };
}
