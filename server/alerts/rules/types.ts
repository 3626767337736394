/** What a rule hands the engine: the causes it finds true now, each under its subject. */
import type { AlertRule } from "../../contract/alerts.ts";
import type { RuleQueries } from "./repo.ts";

export interface Finding {
  subject: string;
  title: string;
  message: string;
  hostId: string | null;
  planId: string | null;
  repositoryId: string | null;
  jobId: string | null;
  link: string;
  details: Record<string, unknown>;
  /**
   * What makes this a new occurrence of a cause already open (another failed job, another
   * snapshot): the open alert's count goes up by one when it changes.
   */
  occurrence: string | null;
}

/** The rule's open alert, as the engine knows it, so job rules can re-judge its subject. */
export interface OpenSubject {
  subject: string;
  hostId: string | null;
  planId: string | null;
  jobId: string | null;
}

export interface RuleInput {
  now: number;
  params: Record<string, unknown>;
  /** Ended jobs and new snapshots since this time are looked at (job rules). */
  since: number;
  /** Jobs to look at whatever their time: the ones that just ended. */
  jobIds: string[];
  open: OpenSubject[];
  /** Replication's view of the paired standby (standby_lag); absent without replication. */
  standby?: StandbyFactsSource;
}

/** What the rule reads, from the replication service (`standbyFacts`). */
export interface StandbyFacts {
  role: "primary" | "standby";
  peer: { applianceId: string; url: string | null; fingerprint: string } | null;
  lag: { entries: number; seconds: number | null };
  /** How long since the standby last asked for changes (or since this appliance started). */
  silentMs: number;
  /** Without the standby's lease the primary refuses writes (replication's lease). */
  writesPaused?: boolean;
}

export type StandbyFactsSource = () => Promise<StandbyFacts | null>;

export interface RuleEvaluator {
  rule: AlertRule;
  /** "jobs": re-judged at once when a job ends, besides every tick. */
  trigger: "tick" | "jobs";
  /** Judged at most this often by ticks (a rule whose windows are hours long). */
  everyMs?: number;
  evaluate(q: RuleQueries, input: RuleInput): Promise<Finding[]>;
}

export const KIND_WORDS: Record<string, string> = {
  backup: "Backup",
  forget: "Forget",
  prune: "Prune",
  compact: "Compact",
  restore: "Restore",
  drill: "Restore drill",
  check: "Check",
};

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** 1.0 GiB, 512 B: what people read in tools' output. */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${UNITS[u]}`;
}

/** "49 h", "90 min", "3 d", "15 s". */
export function formatDuration(ms: number): string {
  const min = ms / 60_000;
  if (min < 1) return `${Math.round(ms / 1000)} s`;
  if (min < 120) return `${Math.round(min)} min`;
  const h = min / 60;
  if (h < 72) return `${Math.round(h * 10) / 10} h`;
  return `${Math.round((h / 24) * 10) / 10} d`;
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const num = (x: unknown, fallback: number) =>
  typeof x === "number" && Number.isFinite(x) ? x : fallback;
