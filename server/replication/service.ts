/**
 * Standby replication, composed: the role this appliance plays, what it answers its peer, the
 * standby loop or the primary's fencing probe, trimming, and the status the UI shows. Created by
 * the appliance after migrations and before it serves, so the triggers match the role before
 * the first request.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { join } from "node:path";
import type { ApplianceIdentity } from "../agent_channel/identity.ts";
import { fingerprintOf, fromBase64, phraseOf } from "../contract/agent_crypto.ts";
import { REPLICATION_HEADERS as H, REPLICATION_SIGN_CONTEXT } from "../contract/replication.ts";
import type {
  PairingCodeView,
  PairRequest,
  ReplicationRole,
  ReplicationStatusView,
} from "../contract/replication.ts";
import { helloPeerFields, SIGN_CONTEXT } from "../contract/agent.ts";
import type { HelloPeer } from "../contract/agent.ts";
import type { Logger } from "../log.ts";
import { createApplier } from "./apply.ts";
import { makeSnapshot, removeFile } from "./bootstrap.ts";
import type { MigrationFile } from "./capture.ts";
import { lastPosition } from "./capture.ts";
import { createPeerClient } from "./client.ts";
import { StandbyReadOnlyError } from "./errors.ts";
import { AppError } from "../errors.ts";
import { logHead, trimLog } from "./log.ts";
import { acceptPairing, createPairingCode } from "./pairing.ts";
import { assertServingPrimary, serveChanges, serveStatus } from "./primary.ts";
import type { ServeDeps } from "./primary.ts";
import type { RekeyableBox } from "./rekeyable_box.ts";
import type { SqlConn } from "./repo.ts";
import { becomeStandbyOf, fence, promote, settleRoleTriggers } from "./roles.ts";
import { runProbeLoop } from "./probe.ts";
import { runStandbyLoop } from "./standby.ts";
import type { Heard } from "./standby.ts";
import { readState } from "./state.ts";
import { verifySignedRequest } from "./signing.ts";
import type { VerifiedRequest } from "./signing.ts";

/** Synchronous mode: how long a report ingest waits, and when a silent standby counts as gone. */
export const SYNC_WAIT_MS = 5000;
export const SYNC_PEER_GONE_MS = 30_000;

export interface ReplicationDeps {
  conn: SqlConn;
  identity: ApplianceIdentity;
  secretBox: RekeyableBox;
  migrations: MigrationFile[];
  dataDir: string;
  now: () => number;
  log?: Logger;
  config: {
    standbyOf: string | null;
    pairingCode: string | null;
    baseUrl: string | null;
    /** Agent report ingest waits for the standby (waitForStandby). */
    replicationSync?: boolean;
  };
  /**
   * Told after a promotion (primary) or a fencing (standby): the appliance starts or stops the
   * work only a primary does (alerts, notifications, job recovery).
   */
  onRoleChange?(role: ReplicationRole, e: { epoch: number; by: string }): void;
}

export function createReplicationService(deps: ReplicationDeps) {
  const { conn, identity } = deps;
  const state0 = readState(conn);
  if (deps.config.standbyOf && state0.role === "primary" && !state0.peerKey) {
    becomeStandbyOf(conn, deps.config.standbyOf, deps.now());
  } else {
    settleRoleTriggers(conn, deps.migrations, deps.now());
  }
  let role: ReplicationRole = readState(conn).role;
  let primaryUrl = readState(conn).primaryUrl;
  let heard: Heard | null = null;
  let selfUrl: string | null = deps.config.baseUrl;
  let loop: AbortController | null = null;
  let loopDone: Promise<void> = Promise.resolve();
  const stop = new AbortController();
  const applier = createApplier(conn, deps.migrations);
  const client = createPeerClient({
    identity,
    peer: () => {
      const s = readState(conn);
      return { url: s.primaryUrl ?? s.peerUrl ?? "", key: s.peerKey ?? "" };
    },
    epoch: () => readState(conn).epoch,
    now: deps.now,
  });
  const changed = new Set<() => void>();
  const waitForChange = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      // Writes come through other connections: look at the log head every 20 ms.
      const t = setTimeout(done, Math.min(ms, 20));
      function done() {
        clearTimeout(t);
        changed.delete(done);
        resolve();
      }
      changed.add(done);
      signal.addEventListener("abort", done, { once: true });
    });

  const refresh = () => {
    const s = readState(conn);
    role = s.role;
    primaryUrl = s.primaryUrl;
  };

  const startLoops = () => {
    loop?.abort();
    loop = new AbortController();
    const signal = AbortSignal.any([loop.signal, stop.signal]);
    const previous = loopDone;
    loopDone = previous.then(() =>
      role === "standby"
        ? runStandbyLoop({
          conn,
          identity,
          client,
          applier,
          secretBox: deps.secretBox,
          dataDir: deps.dataDir,
          now: deps.now,
          log: deps.log,
          pairingCode: deps.config.pairingCode,
          selfUrl: () => selfUrl,
          onHeard: (h) => void (heard = h),
        }, signal)
        : runProbeLoop({ conn, client, now: deps.now, log: deps.log, onFenced }, signal)
    ).then(() => {
      refresh();
      if (!stop.signal.aborted && !signal.aborted) startLoops();
    });
  };

  const onFenced = () => {
    refresh();
    deps.log?.warn("replication: fenced; this appliance is now a standby", { primaryUrl });
    deps.onRoleChange?.("standby", { epoch: readState(conn).epoch, by: "fencing" });
  };

  const serveDeps: ServeDeps = {
    conn,
    identity,
    now: deps.now,
    waitForChange,
    onStale: () => {
      const s = readState(conn);
      if (s.role === "primary" && s.peerUrl) {
        fence(conn, { primaryUrl: s.peerUrl, now: deps.now() });
        onFenced();
        startLoops();
      }
    },
  };

  let trimTimer: ReturnType<typeof setInterval> | null = null;
  let lastPeerContact = 0;

  return {
    role: () => role,
    primaryUrl: () => primaryUrl,
    /** The one write guard: throws the 409 on a standby. */
    assertWritable() {
      if (role === "standby") throw new StandbyReadOnlyError(primaryUrl);
    },
    /**
     * At start, before serving: a primary with a peer asks it once (bounded) whether it was
     * replaced while this one was down, and fences itself before accepting any write if so.
     * An unreachable peer is no answer: the primary serves (see docs/replication.md).
     */
    async settle(timeoutMs = 3000) {
      const s = readState(conn);
      if (s.role !== "primary" || !s.peerKey || !s.peerUrl) return;
      try {
        const peer = await client.status(AbortSignal.timeout(timeoutMs));
        if (peer.applianceId === s.peerId && peer.role === "primary" && peer.epoch > s.epoch) {
          fence(conn, { primaryUrl: s.peerUrl, now: deps.now() });
          onFenced();
        }
      } catch (err) {
        deps.log?.warn("replication: the peer did not answer at start; serving as primary", {
          error: (err as Error).message,
        });
      }
    },
    start(url: string) {
      selfUrl = deps.config.baseUrl ?? url;
      startLoops();
      trimTimer = setInterval(() => {
        try {
          const s = readState(conn);
          if (s.role !== "primary") return;
          trimLog(conn, {
            acked: s.peerKey ? s.ackedPosition : lastPosition(conn),
            now: deps.now(),
          });
        } catch (err) {
          deps.log?.warn("replication: trimming the change log failed", { error: err });
        }
      }, 60_000);
    },
    async stop() {
      stop.abort();
      if (trimTimer) clearInterval(trimTimer);
      await loopDone.catch(() => {});
    },
    async verify(req: Parameters<typeof verifySignedRequest>[0]): Promise<VerifiedRequest> {
      const s = readState(conn);
      return await verifySignedRequest(req, { id: s.peerId, key: s.peerKey, now: deps.now() });
    },
    changes(
      v: VerifiedRequest,
      q: { after: number; wait: number; limit: number },
      signal: AbortSignal,
    ) {
      lastPeerContact = Date.now();
      return serveChanges(serveDeps, {
        after: q.after,
        waitMs: q.wait,
        limit: q.limit,
        peerEpoch: v.epoch,
        signal: AbortSignal.any([signal, stop.signal]),
      });
    },
    async snapshot(v: VerifiedRequest) {
      assertServingPrimary(serveDeps, v.epoch);
      const snap = await makeSnapshot(conn, join(deps.dataDir, "replication"));
      const signature = await identity.signer.sign(REPLICATION_SIGN_CONTEXT.snapshot, [
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
    },
    peerStatus: () => serveStatus(serveDeps),
    /**
     * Synchronous mode: resolves once the standby acknowledged everything logged so far (it
     * acknowledges N by asking for what follows N, after applying). A standby that has not asked
     * for 30 s is taken as gone and not waited for: the primary keeps accepting reports, with
     * the status saying so. One that is there but slow gets 5 s; then the agent is told to try
     * again (409 standby_unconfirmed), keeps its reports, and sends them again (stored once).
     */
    waitForStandby: async (): Promise<void> => {
      if (!deps.config.replicationSync) return;
      const s = readState(conn);
      if (s.role !== "primary" || !s.peerKey) return;
      const target = lastPosition(conn);
      if (s.ackedPosition >= target) return;
      if (Date.now() - lastPeerContact > SYNC_PEER_GONE_MS) return;
      const deadline = Date.now() + SYNC_WAIT_MS;
      while (Date.now() < deadline && !stop.signal.aborted) {
        await new Promise((r) => setTimeout(r, 5));
        if (readState(conn).ackedPosition >= target) return;
      }
      throw new AppError(
        409,
        "standby_unconfirmed",
        "The standby has not confirmed these reports yet; send them again",
      );
    },
    /** The paired appliance, vouched for by this one's signature, for agents' hello. */
    async agentPeers(): Promise<HelloPeer[]> {
      const s = readState(conn);
      if (!s.peerId || !s.peerKey || !s.peerUrl) return [];
      const unsigned = {
        url: s.peerUrl,
        applianceId: s.peerId,
        appliancePublicKey: s.peerKey,
        applianceFingerprint: await fingerprintOf(fromBase64(s.peerKey)!),
      };
      const signature = await identity.signer.sign(
        SIGN_CONTEXT.peer,
        helloPeerFields(identity.applianceId, unsigned),
      );
      return [{ ...unsigned, signature }];
    },
    pair: (req: PairRequest) =>
      acceptPairing(conn, { identity, secretKey: deps.secretBox.key(), req, now: deps.now() }),
    createPairingCode: (createdBy: string): PairingCodeView =>
      createPairingCode(conn, { createdBy, now: deps.now() }),
    promote(by: string) {
      const r = promote(conn, {
        applianceId: identity.applianceId,
        migrations: deps.migrations,
        now: deps.now(),
      });
      refresh();
      startLoops();
      deps.onRoleChange?.("primary", { epoch: r.epoch, by });
      deps.log?.info("replication: promoted to primary", {
        epoch: r.epoch,
        after: r.afterPosition,
      });
      return r;
    },
    async status(): Promise<ReplicationStatusView> {
      const s = readState(conn);
      const fingerprint = await fingerprintOf(fromBase64(identity.publicKey)!);
      const peerFp = s.peerKey ? await fingerprintOf(fromBase64(s.peerKey)!) : null;
      const head = s.role === "primary" ? logHead(conn) : {
        position: Math.max(heard?.head ?? s.appliedPosition, s.appliedPosition),
        at: heard?.headAt ?? null,
      };
      const applied = s.role === "primary" ? s.ackedPosition : s.appliedPosition;
      const entries = s.peerKey ? Math.max(0, head.position - applied) : 0;
      const seconds = entries === 0
        ? 0
        : head.at !== null && s.appliedChangeAt !== null && s.role === "standby"
        ? Math.max(0, (head.at - s.appliedChangeAt) / 1000)
        : null;
      const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
      return {
        role: s.role,
        epoch: s.epoch,
        applianceId: identity.applianceId,
        fingerprint,
        phrase: phraseOf(fingerprint),
        primaryUrl: s.role === "standby" ? s.primaryUrl : null,
        peer: s.peerId && peerFp
          ? {
            applianceId: s.peerId,
            fingerprint: peerFp,
            phrase: phraseOf(peerFp),
            url: s.peerUrl,
            pairedAt: iso(s.pairedAt),
          }
          : null,
        headPosition: head.position,
        appliedPosition: applied,
        lag: { entries, seconds },
        lastContactAt: iso(s.role === "standby" ? heard?.at ?? null : s.ackedAt),
        state: !s.peerKey
          ? "unpaired"
          : s.lastError
          ? "error"
          : s.role === "standby" && s.bootstrappedAt === null && s.appliedPosition === 0
          ? "bootstrapping"
          : entries > 0
          ? "catching_up"
          : "ok",
        lastError: s.lastError,
        synchronous: {
          enabled: deps.config.replicationSync === true,
          standbyConnected: Date.now() - lastPeerContact <= SYNC_PEER_GONE_MS,
        },
      };
    },
  };
}

export type ReplicationService = ReturnType<typeof createReplicationService>;
