/**
 * standby_lag, judged on the primary from replication's own view: the paired standby has not
 * acknowledged a change older than `seconds`, or has not been in touch for `seconds` (at least a
 * minute: a healthy standby's long-poll comes back every 25 s even when nothing changes). It
 * resolves once the standby has caught up. A primary that lost its standby's write lease (and so
 * refuses writes) raises it at once, whatever the thresholds. A standby, or a primary without one,
 * finds nothing.
 */
import type { Finding, RuleEvaluator, StandbyFacts } from "./types.ts";
import { formatDuration, num } from "./types.ts";

/** A silent standby is judged on no less than this, whatever `seconds` says. */
export const SILENT_FLOOR_MS = 60_000;

export function judgeStandby(facts: StandbyFacts | null, seconds: number): Finding[] {
  if (!facts || facts.role !== "primary" || !facts.peer) return [];
  const limitMs = seconds * 1000;
  const silentLimitMs = Math.max(limitMs, SILENT_FLOOR_MS);
  const behind = facts.lag.entries > 0 && (facts.lag.seconds ?? 0) * 1000 > limitMs;
  const silent = facts.silentMs > silentLimitMs;
  const name = facts.peer.url ?? facts.peer.applianceId;
  if (facts.writesPaused) return [pausedFinding(facts.peer.applianceId, name, seconds)];
  if (!behind && !silent) return [];
  // Title and message stay the same while the cause does: a message with the live figures
  // would rewrite the alert on every tick (each write is a row in the change log).
  return [{
    subject: `rep_${facts.peer.applianceId}`,
    title: silent ? "The standby appliance is not in touch" : "The standby appliance is behind",
    message: silent
      ? `Standby ${name} has not asked for changes for more than ${
        formatDuration(silentLimitMs)
      }: a failover now would lose what was written since`
      : `Standby ${name} has not confirmed changes older than ${
        formatDuration(limitMs)
      }: a failover now would lose them`,
    hostId: null,
    planId: null,
    repositoryId: null,
    jobId: null,
    link: "/settings",
    details: { cause: silent ? "silent" : "behind", thresholdSeconds: seconds },
    occurrence: null,
  }];
}

function pausedFinding(peerId: string, name: string, seconds: number): Finding {
  return {
    subject: `rep_${peerId}`,
    title: "Writes are paused: the standby is not answering",
    message: `Standby ${name} stopped answering, so it may have been promoted: this appliance ` +
      "accepts no writes until it answers (agents keep their reports). If it is gone for good, " +
      "continue without it in Settings.",
    hostId: null,
    planId: null,
    repositoryId: null,
    jobId: null,
    link: "/settings",
    details: { cause: "paused", thresholdSeconds: seconds },
    occurrence: null,
  };
}

export const standbyLagRule: RuleEvaluator = {
  rule: "standby_lag",
  trigger: "tick",
  async evaluate(_q, input) {
    const facts = input.standby ? await input.standby() : null;
    return judgeStandby(facts, num(input.params.seconds, 60));
  },
};
