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
import { REPLICATION_HEADERS as H, REPLICATION_SIGN_CONTEXT } from "../contract/replication.ts";
import type {
  PairingCodeView,
  PairRequest,
  ReplicationRole,
  ReplicationStatusView,
} from "../contract/replication.ts";
import type { HelloPeer } from "../contract/agent.ts";
import type { Logger } from "../log.ts";
import { createApplier } from "./apply.ts";
import { makeSnapshot, removeFile } from "./bootstrap.ts";
import type { MigrationFile } from "./capture.ts";
import { lastPosition } from "./capture.ts";
import { createPeerClient } from "./client.ts";
import { StandbyReadOnlyError } from "./errors.ts";
import { changeTime, logHead, trimLog } from "./log.ts";
import { acceptPairing, createPairingCode, vouchForPeer } from "./pairing.ts";
import { SYNC_PEER_GONE_MS, waitForStandby } from "./sync.ts";
import { assertServingPrimary, serveChanges, serveStatus } from "./primary.ts";
import type { ServeDeps } from "./primary.ts";
import type { RekeyableBox } from "./rekeyable_box.ts";
import type { SqlConn } from "./repo.ts";
import { becomeStandbyOf, fence, promote, settleRoleTriggers } from "./roles.ts";
import { peerWasPromoted, runProbeLoop } from "./probe.ts";
import { sleep } from "./sleep.ts";
import { runStandbyLoop } from "./standby.ts";
import type { Heard } from "./standby.ts";
import { readState } from "./state.ts";
import { buildStatus } from "./status.ts";
import { verifySignedRequest } from "./signing.ts";
import type { VerifiedRequest } from "./signing.ts";

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
  let { role, primaryUrl } = readState(conn);
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
  // Writes come through every connection (triggers), so a parked long-poll looks at the log
  // head every 20 ms rather than waiting to be told.
  const waitForChange = (ms: number, signal: AbortSignal) => sleep(Math.min(ms, 20), signal);

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
  // On the injected clock, for status and the lag alert; silence counts from the start too.
  let lastContactAt: number | null = null;
  const openedAt = deps.now();

  function status(): Promise<ReplicationStatusView> {
    return buildStatus({
      state: readState(conn),
      identity,
      logHead: () => logHead(conn),
      changeTime: (position) => changeTime(conn, position),
      now: deps.now(),
      heard,
      lastContactAt,
      synchronous: {
        enabled: deps.config.replicationSync === true,
        standbyConnected: Date.now() - lastPeerContact <= SYNC_PEER_GONE_MS,
      },
    });
  }

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
        if (peerWasPromoted(peer, s)) {
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
      lastContactAt = deps.now();
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
    /** Synchronous mode (sync.ts): resolves once the standby holds what is logged now. */
    waitForStandby: (): Promise<void> =>
      deps.config.replicationSync
        ? waitForStandby(conn, { lastPeerContact, stop: stop.signal })
        : Promise.resolve(),
    /** The paired appliance, vouched for by this one's signature, for agents' hello. */
    agentPeers: (): Promise<HelloPeer[]> => vouchForPeer(conn, identity),
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
    status,
    /** What the standby_lag alert reads (a primary's view of its standby). */
    async standbyFacts() {
      const s = await status();
      const since = Math.max(
        lastContactAt ?? 0,
        openedAt,
        s.peer?.pairedAt ? Date.parse(s.peer.pairedAt) : 0,
      );
      return {
        role: s.role,
        peer: s.peer,
        lag: s.lag,
        silentMs: Math.max(0, deps.now() - since),
      };
    },
  };
}

export type ReplicationService = ReturnType<typeof createReplicationService>;
