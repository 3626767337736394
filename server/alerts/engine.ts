/**
 * The alert engine. Every tick (30 s) it asks each enabled rule what is true now, opens what is
 * newly true, refreshes what is still true and resolves what no longer is (a "resolved" event:
 * the recovered notice). The rules that follow jobs are judged again the moment a job ends, so
 * an alert opens within a second of the report. Agent-side events (an agent that pinned another
 * appliance key) raise and clear their alert directly.
 *
 * Evaluations run one at a time, so a tick and a job's evaluation never race on the same
 * alert; the database's one-open-alert-per-rule-and-subject index catches anything else. A
 * listener (the notifier) is told after the writes commit and is never awaited: a slow channel
 * cannot slow the engine.
 */
import type { Clock } from "../clock.ts";
import type { AlertEvent, AlertListener, AlertRule, AlertSeverity } from "../contract/alerts.ts";
import { newId } from "../ids.ts";
import type { Logger } from "../log.ts";
import type { AlertsRepo, AlertWrites, OpenAlert } from "./repo.ts";
import {
  backupStaleRule,
  hostOfflineRule,
  hostPendingRule,
  lockHeldRule,
} from "./rules/fleet_rules.ts";
import {
  checkFailedRule,
  failuresInRowRule,
  jobFailedRule,
  sizeChangedRule,
} from "./rules/job_rules.ts";
import { drillFailedRule, drillOverdueRule } from "./rules/drill_rules.ts";
import type { RuleQueries } from "./rules/repo.ts";
import { standbyLagRule } from "./rules/standby_rule.ts";
import type { Finding, RuleEvaluator, StandbyFactsSource } from "./rules/types.ts";
import { createSerial, createTicker } from "../ticker.ts";

export const TICK_MS = 30_000;

/** Job rules look again at what ended this long before the previous look (late clocks). */
const LOOKBACK_MS = 10 * 60_000;
/**
 * Before the first tick, job rules look back a day rather than at all history: what ended
 * while the engine was not looking (a restart) is recent, and a year of jobs read at start took
 * seconds. Open alerts' subjects are judged again whatever their age.
 */
const FIRST_LOOKBACK_MS = 24 * 3600_000;
const SEEN_EVERY_MS = 5 * 60_000;

export const EVALUATORS: Partial<Record<AlertRule, RuleEvaluator>> = Object.fromEntries(
  [
    jobFailedRule,
    failuresInRowRule,
    checkFailedRule,
    sizeChangedRule,
    lockHeldRule,
    hostOfflineRule,
    hostPendingRule,
    backupStaleRule,
    standbyLagRule,
    drillFailedRule,
    drillOverdueRule,
  ].map((r) => [r.rule, r]),
);

/** Rules raised by events rather than judged from state. */
export const EVENT_RULES: ReadonlyArray<AlertRule> = ["appliance_key_changed"];

export interface EvaluateOptions {
  /** Only these rules; all when absent. */
  rules?: ReadonlyArray<AlertRule>;
  jobIds?: string[];
}

export interface EvaluationResult {
  opened: number;
  resolved: number;
  ms: number;
}

function occurrenceOf(details: string): unknown {
  try {
    return (JSON.parse(details) as { occurrence?: unknown }).occurrence ?? null;
  } catch {
    return null; // written by this code only; a damaged cell counts as a new occurrence
  }
}

export function createAlertEngine(deps: {
  repo: AlertsRepo;
  queries: RuleQueries;
  clock: Clock;
  log?: Logger;
  /** Replication's view of the paired standby (standby_lag); none without replication. */
  standby?: StandbyFactsSource;
}) {
  const { repo, queries, clock } = deps;
  const listeners: AlertListener[] = [];
  const queue = createSerial();
  const serial = queue.run;
  let lastLookAt: number | null = null;
  const lastJudged = new Map<AlertRule, number>();
  const pendingJobs = new Set<string>();
  let jobsQueued = false;

  function plan(
    rule: AlertRule,
    severity: AlertSeverity,
    open: OpenAlert[],
    findings: Finding[],
    w: AlertWrites,
    resolveMissing: boolean,
  ) {
    const bySubject = new Map(open.map((o) => [o.subject, o]));
    const found = new Set<string>();
    for (const f of findings) {
      if (found.has(f.subject)) continue;
      found.add(f.subject);
      const details = JSON.stringify({ ...f.details, occurrence: f.occurrence });
      const o = bySubject.get(f.subject);
      if (!o) {
        w.inserts.push({ id: newId("alr", w.now), rule, severity, ...f, details });
        continue;
      }
      const same = o.title === f.title && o.message === f.message && o.jobId === f.jobId &&
        o.link === f.link && o.details === details;
      // Still there: lastSeenAt moves every few minutes, not every tick (each write is a row
      // in the standby's change log).
      if (same) {
        if (w.now - o.lastSeenAt >= SEEN_EVERY_MS) w.seen.push(o.id);
      } else {
        const bump = f.occurrence !== null && occurrenceOf(o.details) !== f.occurrence;
        w.changes.push({ id: o.id, ...f, details, bump });
      }
    }
    if (resolveMissing) {
      for (const o of open) if (!found.has(o.subject)) w.resolve.push(o.id);
    }
  }

  async function commit(w: AlertWrites): Promise<{ opened: number; resolved: number }> {
    const { opened, resolved } = await repo.apply(w);
    const views = await repo.findViews([...opened, ...resolved]);
    const openedSet = new Set(opened);
    for (const alert of views) {
      emit({ type: openedSet.has(alert.id) ? "opened" : "resolved", alert });
    }
    return { opened: opened.length, resolved: resolved.length };
  }

  function emit(event: AlertEvent) {
    for (const l of listeners) {
      try {
        l.alertChanged(event);
      } catch (err) {
        deps.log?.warn("alert listener failed", { alertId: event.alert.id, error: err });
      }
    }
  }

  async function evaluate(opts: EvaluateOptions = {}): Promise<EvaluationResult> {
    const started = performance.now();
    const now = clock.now();
    const since = (lastLookAt ?? now - FIRST_LOOKBACK_MS) - LOOKBACK_MS;
    const w: AlertWrites = { now, inserts: [], seen: [], changes: [], resolve: [] };
    for (const r of await repo.listRules()) {
      const rule = r.rule as AlertRule;
      const evaluator = EVALUATORS[rule];
      if (!evaluator || !r.enabled || (opts.rules && !opts.rules.includes(rule))) continue;
      const last = lastJudged.get(rule);
      if (
        !opts.rules && evaluator.everyMs && last !== undefined && now - last < evaluator.everyMs
      ) {
        continue;
      }
      lastJudged.set(rule, now);
      const open = await repo.listOpen(rule);
      const findings = await evaluator.evaluate(queries, {
        now,
        params: r.params,
        since,
        jobIds: opts.jobIds ?? [],
        open,
        standby: deps.standby,
      });
      plan(rule, r.severity, open, findings, w, true);
    }
    const out = await commit(w);
    if (!opts.rules) lastLookAt = now;
    return { ...out, ms: performance.now() - started };
  }

  const JOB_RULES = Object.values(EVALUATORS).filter((e) => e.trigger === "jobs").map((e) =>
    e.rule
  );

  function logFailure(what: string) {
    return (err: unknown) => deps.log?.error(`alert ${what} failed`, { error: err });
  }
  const ticker = createTicker({
    serial: queue,
    tick: () => evaluate(),
    onError: (err, first) => logFailure(first ? "first tick" : "tick")(err),
  });

  return {
    /** Judges every rule now (a tick); resolves after the writes and events. */
    tick: () => serial(() => evaluate()),
    /** Judges these rules now (a rule's settings changed, a host was approved). */
    evaluateRules: (rules: ReadonlyArray<AlertRule>) => serial(() => evaluate({ rules })),

    /** A job ended: its rules are judged again at once (ends coalesce into one evaluation). */
    jobEnded(jobId: string): Promise<void> {
      pendingJobs.add(jobId);
      if (jobsQueued) return queue.idle().then(() => undefined);
      jobsQueued = true;
      return serial(async () => {
        jobsQueued = false;
        const jobIds = [...pendingJobs];
        pendingJobs.clear();
        await evaluate({ rules: JOB_RULES, jobIds });
      }).catch(logFailure("evaluation after a job"));
    },

    /** Raises (or clears) an event rule's alert for one subject. */
    raise(rule: AlertRule, subject: string, finding: Finding | null): Promise<void> {
      return serial(async () => {
        const r = (await repo.listRules()).find((x) => x.rule === rule);
        if (!r || !r.enabled) return;
        const open = (await repo.listOpen(rule)).filter((o) => o.subject === subject);
        const w: AlertWrites = {
          now: clock.now(),
          inserts: [],
          seen: [],
          changes: [],
          resolve: [],
        };
        plan(rule, r.severity, open, finding ? [finding] : [], w, true);
        await commit(w);
      }).catch(logFailure(`${rule} event`));
    },

    listen(listener: AlertListener) {
      listeners.push(listener);
    },

    /** Ticks every TICK_MS until stop(); a tick still running is not queued twice. */
    start: (tickMs = TICK_MS) => ticker.start(tickMs),
    /** Stops ticking and waits for the evaluation under way. */
    stop: () => ticker.stop(),
  };
}

export type AlertEngine = ReturnType<typeof createAlertEngine>;
