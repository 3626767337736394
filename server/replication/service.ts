/**
 * Standby replication, composed: the role this appliance plays, what it answers its peer, the
 * standby loop or the primary's fencing probe, trimming, and the status the UI shows. Created by
 * the appliance after migrations and before it serves, so the triggers match the role before
 * the first request.
 */
import { join } from "node:path";
import type { ApplianceIdentity } from "../agent_channel/identity.ts";
import type {
  PairingCodeView,
  PairRequest,
  ReplicationRole,
  ReplicationStatusView,
} from "../contract/replication.ts";
import type { HelloPeer } from "../contract/agent.ts";
import type { Logger } from "../log.ts";
import { createApplier } from "./apply.ts";
import type { MigrationFile } from "./capture.ts";
import { lastPosition } from "./capture.ts";
import { createPeerClient } from "./client.ts";
import { ReplicationRefusedError, StandbyReadOnlyError } from "./errors.ts";
import { createLeaseGrantor, createLeaseHolder, monotonic, WritesPausedError } from "./lease.ts";
import type { LeaseClock } from "./lease.ts";
import { awaitPromotable } from "./promotion.ts";
import { changeTime, logHead, trimLog } from "./log.ts";
import { acceptPairing, createPairingCode, vouchForPeer } from "./pairing.ts";
import { waitForStandby } from "./sync.ts";
import { serveChanges, serveSnapshot, serveStatus } from "./primary.ts";
import type { ServeDeps } from "./primary.ts";
import type { RekeyableBox } from "./rekeyable_box.ts";
import type { SqlConn } from "./repo.ts";
import { becomeStandbyOf, fence, forgetPeer, promote, settleRoleTriggers } from "./roles.ts";
import { probeOnce, runProbeLoop } from "./probe.ts";
import type { ProbeDeps } from "./probe.ts";
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
  /** Told after an admin detached the standby (the appliance audits it). */
  onDetached?(by: string): void;
  /** The write lease's clock and length (lease.ts); tests may shorten it. */
  leaseClock?: LeaseClock;
}

export function createReplicationService(deps: ReplicationDeps) {
  const { conn, identity } = deps;
  const state0 = readState(conn);
  if (deps.config.standbyOf && state0.role === "primary" && !state0.peerKey) {
    becomeStandbyOf(conn, deps.config.standbyOf, deps.now());
  } else {
    settleRoleTriggers(conn, deps.migrations, deps.now());
  }
  const settled = readState(conn);
  let { role, primaryUrl } = settled;
  /** Whether this appliance has a peer: kept in memory (refresh), since every write asks. */
  let paired = settled.peerKey !== null;
  let heard: Heard | null = null;
  let selfUrl: string | null = deps.config.baseUrl;
  let loop: AbortController | null = null;
  let loopDone: Promise<void> = Promise.resolve();
  const stop = new AbortController();
  const leaseClock = deps.leaseClock ?? monotonic;
  const lease = createLeaseHolder(leaseClock);
  const grantor = createLeaseGrantor(leaseClock);
  // A just-promoted primary needs no lease until its peer follows it and grants one: the old
  // primary cannot accept writes meanwhile (its lease from this appliance ran out before the
  // promotion). After a restart a paired primary always needs one.
  let leaseOptional = false;
  let promotion: Promise<{ epoch: number; afterPosition: number }> | null = null;
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
    paired = s.peerKey !== null;
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
        : runProbeLoop(probeDeps, signal)
    ).then(() => {
      refresh();
      if (!stop.signal.aborted && !signal.aborted) startLoops();
    });
  };

  const onFenced = () => {
    lease.clear();
    leaseOptional = false;
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

  const probeDeps: ProbeDeps = {
    conn,
    client,
    now: deps.now,
    mono: leaseClock.mono,
    lease: {
      ...lease,
      granted(sentAt: number) {
        lease.granted(sentAt);
        leaseOptional = false;
      },
    },
    log: deps.log,
    onFenced: () => onFenced(),
  };

  /** The one answer to "may this appliance accept writes from outside now?" (null: yes). */
  function writeRefusal(): Error | null {
    if (role === "standby") return new StandbyReadOnlyError(primaryUrl);
    if (!paired || leaseOptional || lease.held()) return null;
    return new WritesPausedError(lease.silentMs(), lease.everAnswered());
  }

  let trimTimer: ReturnType<typeof setInterval> | null = null;
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
        standbyConnected: lease.held(),
      },
      lease: leaseView(),
    });
  }

  function leaseView() {
    const s = readState(conn);
    const primary = s.role === "primary";
    return {
      heldForMs: primary && lease.held() ? Math.round(lease.remainingMs() ?? 0) : null,
      writesPaused: primary && writeRefusal() !== null,
      standbySilentMs: primary && s.peerKey ? Math.round(lease.silentMs()) : null,
      promotableInMs: primary ? null : Math.round(grantor.promotableInMs()),
      promoting: !primary && grantor.promoting(),
    };
  }

  async function promoteAfterLease(by: string) {
    try {
      await awaitPromotable({
        conn,
        client,
        applier,
        grantor,
        mono: leaseClock.mono,
        now: deps.now,
        log: deps.log,
        stopTailing: async () => {
          loop?.abort();
          await loopDone.catch(() => {});
        },
      }, stop.signal);
      const r = promote(conn, {
        applianceId: identity.applianceId,
        migrations: deps.migrations,
        now: deps.now(),
      });
      leaseOptional = true;
      lease.clear();
      refresh();
      startLoops();
      deps.onRoleChange?.("primary", { epoch: r.epoch, by });
      deps.log?.info("replication: promoted to primary", {
        epoch: r.epoch,
        after: r.afterPosition,
      });
      return r;
    } catch (err) {
      refresh();
      if (role === "standby" && !stop.signal.aborted) startLoops();
      throw err;
    } finally {
      grantor.resume();
    }
  }

  return {
    role: () => role,
    primaryUrl: () => primaryUrl,
    /**
     * The one write guard: the 409 on a standby, the 503 writes_paused on a paired primary
     * without the standby's lease.
     */
    assertWritable() {
      const refusal = writeRefusal();
      if (refusal) throw refusal;
    },
    /**
     * At start, before serving: a primary with a peer asks it once (bounded) whether it was
     * replaced while this one was down, and fences itself before accepting any write if so; the
     * answer also brings the first lease. An unreachable peer is no answer: the primary serves
     * reads and refuses writes until its standby answers (lease.ts).
     */
    async settle() {
      try {
        await probeOnce(probeDeps, stop.signal);
      } catch (err) {
        deps.log?.warn("replication: the standby did not answer at start; writes wait for it", {
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
      lastContactAt = deps.now();
      return serveChanges(serveDeps, {
        after: q.after,
        waitMs: q.wait,
        limit: q.limit,
        peerEpoch: v.epoch,
        signal: AbortSignal.any([signal, stop.signal]),
      });
    },
    snapshot: (v: VerifiedRequest) =>
      serveSnapshot(serveDeps, { peerEpoch: v.epoch, dir: join(deps.dataDir, "replication") }),
    /** The signed status; to its paired primary at its epoch a standby grants the lease. */
    peerStatus(v: VerifiedRequest) {
      const s = readState(conn);
      const grant = s.role === "standby" && v.epoch === s.epoch ? grantor.grant() : undefined;
      return serveStatus(serveDeps, grant);
    },
    /** Synchronous mode (sync.ts): resolves once the standby holds what is logged now. */
    waitForStandby: (): Promise<void> =>
      deps.config.replicationSync ? waitForStandby(conn, { stop: stop.signal }) : Promise.resolve(),
    /** The paired appliance, vouched for by this one's signature, for agents' hello. */
    agentPeers: (): Promise<HelloPeer[]> => vouchForPeer(conn, identity),
    async pair(req: PairRequest) {
      const r = await acceptPairing(conn, {
        identity,
        secretKey: deps.secretBox.key(),
        req,
        now: deps.now(),
      });
      refresh();
      return r;
    },
    createPairingCode: (createdBy: string): PairingCodeView =>
      createPairingCode(conn, { createdBy, now: deps.now() }),
    /**
     * Promotes this standby once the primary's lease ended (promotion.ts): at most about
     * LEASE_MS + 2 s after the last grant, at once when it granted none for that long.
     */
    promote(by: string): Promise<{ epoch: number; afterPosition: number }> {
      if (readState(conn).role !== "standby") {
        return Promise.reject(
          new ReplicationRefusedError("not_standby", "This appliance is already the primary"),
        );
      }
      promotion ??= promoteAfterLease(by).finally(() => (promotion = null));
      return promotion;
    },
    /**
     * Detach (an admin, on a primary): forget the standby, so this appliance accepts writes alone
     * again. Only when the standby is gone for good or will not be promoted.
     */
    detach(by: string) {
      const s = readState(conn);
      if (s.role !== "primary") {
        throw new ReplicationRefusedError("not_primary", "Only a primary can detach its standby");
      }
      if (!s.peerKey) {
        throw new ReplicationRefusedError("not_paired", "This appliance has no standby to detach");
      }
      forgetPeer(conn, deps.now());
      lease.clear();
      leaseOptional = false;
      refresh();
      startLoops();
      deps.onDetached?.(by);
      deps.log?.warn("replication: the standby was detached; this primary accepts writes alone", {
        standbyId: s.peerId,
      });
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
        writesPaused: s.lease.writesPaused,
      };
    },
  };
}

export type ReplicationService = ReturnType<typeof createReplicationService>;
