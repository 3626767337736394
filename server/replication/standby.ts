/**
 * The standby's loop: pair once (with the configured code), bootstrap when it has nothing or the
 * primary says its position is gone, then long-poll batches and apply each one. Faults are kept
 * as the state's last error and retried with a growing pause; the loop ends only on stop or
 * when this appliance stops being a standby (a promotion).
 */
import { join } from "node:path";
import type { ApplianceIdentity } from "../agent_channel/identity.ts";
import type { Logger } from "../log.ts";
import type { Applier } from "./apply.ts";
import { installSnapshot, removeFile } from "./bootstrap.ts";
import type { PeerClient } from "./client.ts";
import { PeerRefusal } from "./client.ts";
import { pairWithPrimary } from "./pairing.ts";
import type { RekeyableBox } from "./rekeyable_box.ts";
import type { SqlConn } from "./repo.ts";
import { sleep } from "./sleep.ts";
import { readState, updateState } from "./state.ts";

export interface Heard {
  head: number;
  headAt: number | null;
  at: number;
}

export interface StandbyLoopDeps {
  conn: SqlConn;
  identity: ApplianceIdentity;
  client: PeerClient;
  applier: Applier;
  secretBox: RekeyableBox;
  dataDir: string;
  now: () => number;
  log?: Logger;
  pairingCode: string | null;
  selfUrl: () => string | null;
  onHeard(h: Heard): void;
  onApplied?(position: number): void;
  longPollMs?: number;
}

export function runStandbyLoop(deps: StandbyLoopDeps, signal: AbortSignal): Promise<void> {
  const { conn } = deps;
  let pause = 500;

  const step = async () => {
    const state = readState(conn);
    if (!state.peerKey) return await pair(deps);
    if (state.appliedPosition === 0 && state.bootstrappedAt === null) {
      return await bootstrap(deps, signal);
    }
    const batch = await deps.client.changes(state.appliedPosition, {
      waitMs: deps.longPollMs ?? 20_000,
      signal,
    });
    deps.onHeard({ head: batch.head, headAt: batch.headAt, at: deps.now() });
    if (batch.entries.length > 0 || batch.epoch !== state.epoch) {
      const r = deps.applier.apply(batch, deps.now());
      deps.onApplied?.(r.position);
    }
  };

  return (async () => {
    while (!signal.aborted && readState(conn).role === "standby") {
      try {
        await step();
        pause = 500;
      } catch (err) {
        if (signal.aborted) break;
        let fault = err;
        if (err instanceof PeerRefusal && err.code === "bootstrap_required") {
          deps.log?.warn("replication: the primary no longer holds this position; bootstrapping");
          try {
            await bootstrap(deps, signal);
            continue;
          } catch (inner) {
            fault = inner;
          }
        }
        const message = describeFault(fault).slice(0, 500);
        updateState(conn, { lastError: message }, deps.now());
        deps.log?.warn("replication: standby step failed", { error: message });
        await sleep(pause, signal);
        pause = Math.min(pause * 2, 10_000);
      }
    }
  })();
}

/** A primary that detached this standby (or paired another) says so; the status explains it. */
function describeFault(err: unknown): string {
  if (
    err instanceof PeerRefusal && (err.code === "not_paired" || err.code === "unknown_appliance")
  ) {
    return "The primary no longer knows this standby (it was detached, or another standby was " +
      "paired): pair a fresh standby with a new code";
  }
  return (err as Error).message;
}

async function pair(deps: StandbyLoopDeps): Promise<void> {
  const state = readState(deps.conn);
  if (!deps.pairingCode || !state.primaryUrl) {
    throw new Error("Not paired: set CAIRN_PAIRING_CODE to a code made on the primary");
  }
  const paired = await pairWithPrimary(deps.identity, {
    primaryUrl: state.primaryUrl,
    code: deps.pairingCode,
    selfUrl: deps.selfUrl(),
    now: deps.now(),
  });
  await deps.secretBox.rekey(paired.secretKey, join(deps.dataDir, "secret.key"));
  paired.secretKey.fill(0);
  deps.conn.write(() =>
    updateState(deps.conn, {
      peerId: paired.applianceId,
      peerKey: paired.publicKey,
      peerUrl: state.primaryUrl,
      pairedAt: deps.now(),
      epoch: Math.max(state.epoch, paired.epoch),
      appliedPosition: 0,
      bootstrappedAt: null,
      lastError: null,
    }, deps.now())
  );
  deps.log?.info("replication: paired with the primary", {
    primaryId: paired.applianceId,
    fingerprint: paired.fingerprint,
  });
}

async function bootstrap(deps: StandbyLoopDeps, signal: AbortSignal): Promise<void> {
  const file = join(deps.dataDir, "replication-bootstrap.db");
  await removeFile(file);
  try {
    const started = deps.now();
    const snap = await deps.client.snapshot(file, signal);
    const state = readState(deps.conn);
    const r = installSnapshot(deps.conn, {
      path: file,
      position: snap.position,
      epoch: Math.max(snap.epoch, state.epoch),
      primaryId: state.peerId ?? "",
      now: deps.now(),
    });
    deps.onApplied?.(snap.position);
    deps.log?.info("replication: bootstrapped from the primary", {
      position: snap.position,
      tables: r.tables,
      rows: r.rows,
      ms: deps.now() - started,
    });
  } finally {
    await removeFile(file);
  }
}
