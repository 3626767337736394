/**
 * The agent's local scheduler: it keeps the host's last applied schedule document and fires
 * its runs on the host's own clock, whether or not the appliance is reachable (the appliance
 * never fires scheduled runs itself, so a run is never made twice).
 *
 * A run is fired in this order, each step safe to repeat: (1) the fire intent — the new job id
 * and what its report says — is written to `state.json` together with the run time it stands
 * for; (2) the `job.scheduled` report goes into the outbox once per job id (the outbox's
 * once-only command ledger, keyed `sched:<jobId>`); (3) the spec is handed to the runner,
 * which ignores a job id it already knows; (4) the intent is cleared. A crash anywhere in
 * between is finished at the next start from the intent, so `kill -9` neither loses nor
 * doubles a run. Ticks and document changes run one at a time.
 */
import * as v from "valibot";
import type { NewReport } from "../outbox.ts";
import type { JobSpec } from "../../server/contract/jobs.ts";
import {
  type JobScheduled,
  type ScheduleApplied,
  SCHEDULED_JOB_ID_PREFIX,
  type ScheduleDocument,
  ScheduleDocumentSchema,
  type ScheduleEntry,
} from "../../server/contract/schedules.ts";
import { failed } from "../jobs/outcome.ts";
import { issueText } from "../jobs/runner.ts";
import type { LogFn } from "../log.ts";
import { createUlidFactory } from "../ulid.ts";
import { decide, type Decision, type NextRunAfter } from "./decide.ts";
import {
  carryStates,
  type EntryState,
  type EntryStates,
  type ScheduleStore,
  type StoredDocument,
} from "./store.ts";

export interface SchedulerTimer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface SchedulerDeps {
  store: ScheduleStore;
  outbox: {
    add(reports: NewReport[]): string[];
    acceptCommand(id: string, report: NewReport): boolean;
  };
  runner: {
    enqueueLocal(spec: JobSpec): Promise<unknown>;
    isActive(jobId: string): boolean;
  };
  /** This host: a document for another host is refused. */
  hostId: string;
  log: LogFn;
  next: NextRunAfter;
  /** Whether the appliance answered the agent's last contact. */
  online(): boolean;
  now?: () => number;
  timer?: SchedulerTimer;
  /** How often the entries are looked at when nothing is due sooner. */
  tickMs?: number;
  graceMs?: number;
}

export const DEFAULT_TICK_MS = 10_000;
/** A tick this much later than planned means the host slept or the agent was stopped. */
const WAKE_JUMP_MS = 60_000;

const systemTimer: SchedulerTimer = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as number),
};

export function createScheduler(deps: SchedulerDeps) {
  const now = deps.now ?? Date.now;
  const timer = deps.timer ?? systemTimer;
  const tickMs = deps.tickMs ?? DEFAULT_TICK_MS;
  const newUlid = createUlidFactory(now);
  let doc: StoredDocument | null = null;
  let states: EntryStates = {};
  let chain: Promise<unknown> = Promise.resolve();
  let handle: unknown = null;
  let plannedAt: number | null = null;
  let stopped = false;

  /** Runs `fn` after everything queued before it; ticks and puts never overlap. */
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn);
    chain = run.catch(() => {});
    return run;
  }

  function arm(dueAt: number | null) {
    if (handle !== null) timer.clear(handle);
    handle = null;
    if (stopped) return;
    const wait = Math.max(0, Math.min(tickMs, dueAt === null ? tickMs : dueAt - now()));
    plannedAt = now() + wait;
    handle = timer.set(() => {
      handle = null;
      const late = plannedAt === null ? 0 : now() - plannedAt;
      if (late > WAKE_JUMP_MS) {
        deps.log("info", "the clock jumped: the host slept or the agent was held", {
          lateSeconds: Math.round(late / 1000),
        });
      }
      tick().catch((err) => {
        deps.log("error", "a schedule tick failed", { error: err });
        arm(null); // try again at the next tick rather than never
      });
    }, wait);
  }

  async function tickLocked(): Promise<void> {
    if (stopped) return;
    let soonest: number | null = null;
    for (const entry of doc?.document.entries ?? []) {
      const at = await runEntry(entry);
      if (at !== null && (soonest === null || at < soonest)) soonest = at;
    }
    arm(soonest);
  }

  /** Fires or moves past what is due for one entry; returns when it is next due. */
  async function runEntry(entry: ScheduleEntry): Promise<number | null> {
    const state = states[entry.scheduleId];
    if (!state) return null;
    for (let i = 0; i < 4; i++) {
      const d: Decision = decide(entry, {
        state,
        now: now(),
        next: deps.next,
        graceMs: deps.graceMs,
      });
      if (d.action === "wait") return d.at;
      if (d.action === "skip") {
        deps.log("info", "a scheduled run was not fired", logFields(entry, d));
        await record(state, { lastScheduledFor: d.scheduledFor });
      } else if (state.lastJobId && deps.runner.isActive(state.lastJobId)) {
        deps.log("warn", "a scheduled run was skipped: the previous run still goes", {
          ...logFields(entry, d),
          previousJobId: state.lastJobId,
        });
        await record(state, { lastScheduledFor: d.scheduledFor });
      } else await fire(entry, state, d);
    }
    return null;
  }

  async function record(state: EntryState, patch: Partial<EntryState>) {
    Object.assign(state, patch);
    await deps.store.writeStates(states);
  }

  async function fire(
    entry: ScheduleEntry,
    state: EntryState,
    d: Extract<Decision, { action: "fire" }>,
  ) {
    const firedAt = now();
    const jobId = SCHEDULED_JOB_ID_PREFIX + newUlid().toLowerCase();
    const pending = {
      jobId,
      scheduledFor: d.scheduledFor,
      firedAt,
      catchUp: d.catchUp,
      offline: !deps.online(),
    };
    await record(state, {
      lastScheduledFor: d.scheduledFor,
      lastJobId: jobId,
      lastFiredAt: firedAt,
      pending,
    });
    deps.log("info", "a scheduled run fired", { ...logFields(entry, d), jobId });
    await complete(entry, state);
  }

  /** Steps 2 to 4 of a fire; repeating them after a crash does nothing twice. */
  async function complete(entry: ScheduleEntry, state: EntryState) {
    const p = state.pending;
    if (!p || !doc) return;
    const body: JobScheduled = {
      scheduleId: entry.scheduleId,
      planId: entry.planId,
      repositoryId: entry.spec.repository.id,
      kind: entry.kind,
      scheduleVersion: doc.document.version,
      scheduledFor: p.scheduledFor,
      firedAt: p.firedAt,
      catchUp: p.catchUp,
      offline: p.offline,
    };
    deps.outbox.acceptCommand(`sched:${p.jobId}`, { kind: "job.scheduled", jobId: p.jobId, body });
    try {
      await deps.runner.enqueueLocal({ ...entry.spec, jobId: p.jobId });
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).slice(0, 2000);
      deps.log("warn", "a scheduled run could not be queued", { jobId: p.jobId, error: message });
      const finished = { ...failed("invalid", message), durationMs: 0 };
      deps.outbox.add([{ kind: "job.finished", jobId: p.jobId, body: finished }]);
    }
    await record(state, { pending: null });
  }

  async function putLocked(next: ScheduleDocument) {
    const current = doc?.document.version ?? 0;
    if (next.version <= current) {
      deps.log("info", "ignored a schedule document not newer than the applied one", {
        version: next.version,
        applied: current,
      });
      if (next.version === current && doc) reportApplied(doc);
      return { applied: false, appliedVersion: current };
    }
    const at = now();
    const fresh = carryStates(next.entries, states, at);
    for (const e of next.entries) {
      if (deps.next(e.cron, e.timeZone, at) === null) {
        deps.log("warn", "a schedule entry never runs", { scheduleId: e.scheduleId });
      }
    }
    await deps.store.writeDocument(next, at);
    doc = { document: next, appliedAt: at };
    states = fresh;
    await deps.store.writeStates(states);
    deps.log("info", "applied a schedule document", {
      version: next.version,
      entries: next.entries.length,
    });
    reportApplied(doc);
    await tickLocked();
    return { applied: true, appliedVersion: next.version, entries: next.entries.length };
  }

  function reportApplied(d: StoredDocument | null) {
    const body: ScheduleApplied = {
      version: d?.document.version ?? 0,
      entries: d?.document.entries.length ?? 0,
      appliedAt: d?.appliedAt ?? now(),
    };
    deps.outbox.add([{ kind: "schedule.applied", jobId: null, body }]);
  }

  /**
   * The applied document and its states. A damaged document is dropped and version 0 reported,
   * so the appliance sees the drift and pushes the schedule again; damaged states start afresh.
   */
  async function readStored(): Promise<EntryStates> {
    try {
      doc = await deps.store.readDocument();
    } catch (err) {
      deps.log("error", "the schedule file is damaged; waiting for the appliance to resend it", {
        error: err,
      });
      doc = null;
      reportApplied(null);
    }
    try {
      return await deps.store.readStates();
    } catch (err) {
      deps.log("error", "the schedule state file is damaged; runs count from now", { error: err });
      const at = now();
      if (doc) doc = { ...doc, appliedAt: Math.max(doc.appliedAt, at) };
      return {};
    }
  }

  function tick(): Promise<void> {
    return serial(tickLocked);
  }

  return {
    /** Reads the applied document, finishes a fire a crash interrupted, and starts ticking. */
    start(): Promise<void> {
      return serial(async () => {
        await deps.store.init();
        const stored = await readStored();
        states = doc ? carryStates(doc.document.entries, stored, doc.appliedAt) : {};
        for (const e of doc?.document.entries ?? []) {
          if (states[e.scheduleId].pending) await complete(e, states[e.scheduleId]);
        }
        await tickLocked();
      });
    },
    /** The `schedule.put` command: applies a newer document for this host. */
    async put(args: unknown) {
      const parsed = v.safeParse(ScheduleDocumentSchema, args);
      if (!parsed.success) {
        throw new Error(`The schedule document is invalid: ${issueText(parsed.issues)}`);
      }
      const next = parsed.output;
      if (next.hostId !== deps.hostId) throw new Error("The schedule document is for another host");
      const ids = new Set(next.entries.map((e) => e.scheduleId));
      if (ids.size !== next.entries.length) {
        throw new Error("The schedule document names a schedule twice");
      }
      return await serial(() => putLocked(next));
    },
    tick,
    stop(): Promise<void> {
      stopped = true;
      if (handle !== null) timer.clear(handle);
      handle = null;
      return serial(() => Promise.resolve());
    },
    appliedVersion: () => doc?.document.version ?? 0,
    /** Per-entry state (tests and `status`). */
    states: (): EntryStates => structuredClone(states),
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;

function logFields(entry: ScheduleEntry, d: Exclude<Decision, { action: "wait" }>) {
  return {
    scheduleId: entry.scheduleId,
    kind: entry.kind,
    scheduledFor: new Date(d.scheduledFor).toISOString(),
    ...(d.action === "skip" ? { reason: d.reason } : { catchUp: d.catchUp }),
  };
}
