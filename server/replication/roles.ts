/**
 * Role changes, each one transaction: the triggers that go with a role (capture on a primary,
 * the read-only guard on a standby) change together with the state row, so an appliance is never
 * a primary without capture or a standby that accepts writes.
 *
 * Promotion bumps the epoch and records after which position it began; the log continues from
 * the last applied position, so a former primary whose own log ended exactly there can follow
 * the new primary without a new bootstrap, and one that went further is told to bootstrap.
 */
import { continueLogAfter, installCapture, lastPosition, removeCapture } from "./capture.ts";
import type { MigrationFile } from "./capture.ts";
import { ReplicationRefusedError } from "./errors.ts";
import { installReadOnlyGuard, removeReadOnlyGuard } from "./guard.ts";
import type { SqlConn } from "./repo.ts";
import { readState, recordEpoch, updateState } from "./state.ts";

/** Makes the triggers match the role in the state row (at start). */
export function settleRoleTriggers(conn: SqlConn, migrations: MigrationFile[], now: number): void {
  conn.write(() => {
    if (readState(conn).role === "primary") {
      removeReadOnlyGuard(conn);
      installCapture(conn, { migrations, now });
    } else {
      removeCapture(conn);
      installReadOnlyGuard(conn);
    }
  });
}

/** A never-paired appliance configured as a standby becomes one before it serves anything. */
export function becomeStandbyOf(conn: SqlConn, primaryUrl: string, now: number): void {
  conn.write(() => {
    updateState(conn, { role: "standby", primaryUrl, peerUrl: primaryUrl }, now);
    removeCapture(conn);
    installReadOnlyGuard(conn);
  });
}

export function promote(
  conn: SqlConn,
  opts: { applianceId: string; migrations: MigrationFile[]; now: number },
): { epoch: number; afterPosition: number } {
  return conn.write(() => {
    const state = readState(conn);
    if (state.role !== "standby") {
      throw new ReplicationRefusedError("not_standby", "This appliance is already the primary");
    }
    const epoch = state.epoch + 1;
    const afterPosition = state.appliedPosition;
    recordEpoch(conn, { epoch, afterPosition, applianceId: opts.applianceId, now: opts.now });
    continueLogAfter(conn, afterPosition);
    updateState(conn, {
      role: "primary",
      epoch,
      primaryUrl: null,
      ackedPosition: afterPosition,
      lastError: null,
    }, opts.now);
    removeReadOnlyGuard(conn);
    installCapture(conn, { migrations: opts.migrations, now: opts.now });
    return { epoch, afterPosition };
  });
}

/**
 * Fencing: this primary saw a higher epoch. It stops capturing and guards its tables at once,
 * and becomes a standby of the new primary from the end of its own log; the new primary says
 * whether that position is common ground or a bootstrap is needed.
 */
export function fence(conn: SqlConn, opts: { primaryUrl: string; now: number }): void {
  conn.write(() => {
    const own = lastPosition(conn);
    updateState(conn, {
      role: "standby",
      primaryUrl: opts.primaryUrl,
      appliedPosition: own,
      lastError: "Fenced: the other appliance was promoted with a higher epoch",
    }, opts.now);
    removeCapture(conn);
    installReadOnlyGuard(conn);
  });
}

/** Detach: this primary forgets its standby and accepts writes alone again. */
export function forgetPeer(conn: SqlConn, now: number): void {
  conn.write(() =>
    updateState(conn, {
      peerId: null,
      peerKey: null,
      peerUrl: null,
      pairedAt: null,
      ackedPosition: 0,
      ackedAt: null,
      lastError: null,
    }, now)
  );
}
