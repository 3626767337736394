/**
 * Schedules: one per plan and kind, a rule in a zone, optional jitter and catch-up. Every write
 * is audited and followed by a push reconcile, so hosts get their new document at once. A plan's
 * pause keeps its schedules; the agents see it as `pausedUntil` on each entry.
 */
import * as v from "valibot";
import type { Actor, AuditService } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import { kindFitsEngine } from "../contract/jobs.ts";
import type { Engine } from "../contract/jobs.ts";
import { describeRule, ruleToCron, ScheduleError } from "../contract/cron.ts";
import { nextRuns, wallToInstants, zoneOffsetMs } from "../contract/schedule_time.ts";
import {
  PAUSED_INDEFINITELY,
  REPOSITORY_WIDE_KINDS,
  ScheduleAppliedSchema,
} from "../contract/schedules.ts";
import type {
  CreateSchedule,
  HostScheduleState,
  PausePlan,
  SchedulePreview,
  ScheduleRule,
  ScheduleView,
  UpdateSchedule,
} from "../contract/schedules.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { newId } from "../ids.ts";
import type { Logger } from "../log.ts";
import { invalid } from "../repositories/rules.ts";
import { planTargets, runnerFor } from "./push.ts";
import type { SchedulePush } from "./push.ts";
import type { PushHostRow, ScheduleRecord, SchedulesRepo, ViewPlan } from "./repo.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const DAY = 86_400_000;

/** The cron a rule stands for, or a 400 naming the field and the plain reason. */
function cronOf(rule: ScheduleRule): string {
  try {
    return ruleToCron(rule);
  } catch (err) {
    if (err instanceof ScheduleError) throw invalid("rule.expression", err.message);
    throw err;
  }
}

/** 06:00 tomorrow in the zone, as an instant. */
export function tomorrowAtSix(timeZone: string, now: number): number {
  const local = now + zoneOffsetMs(timeZone, now);
  const wall = Math.floor(local / DAY) * DAY + DAY + 6 * 3_600_000;
  const { instants, gapEnd } = wallToInstants(timeZone, wall);
  return instants[0] ?? gapEnd ?? wall - zoneOffsetMs(timeZone, wall);
}

/** The hosts each schedule runs on: the plan's approved hosts, or a repository-wide kind's one. */
function scheduleHosts(
  list: ScheduleRecord[],
  plans: Map<string, ViewPlan>,
  hosts: PushHostRow[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of list) {
    const p = plans.get(s.planId);
    if (!p) continue;
    out.set(
      s.id,
      REPOSITORY_WIDE_KINDS.includes(s.kind)
        ? (s.runnerHostId ? [s.runnerHostId] : [])
        : hosts.filter((h) => planTargets(p, h)).map((h) => h.id),
    );
  }
  return out;
}

export function createSchedulesService(deps: {
  repo: SchedulesRepo;
  audit: AuditService;
  clock: Clock;
  push: SchedulePush;
  log?: Logger;
}) {
  const { repo, audit, clock } = deps;

  /**
   * The hosts' documents follow in the background: a push to a large tag seals a secret per
   * host and entry, which must not hold the answer to this request.
   */
  function pushSoon() {
    deps.push.markDirty();
  }

  async function mustFind(id: string): Promise<ScheduleRecord> {
    const s = await repo.find(id);
    if (!s) throw new NotFoundError("Schedule", id);
    return s;
  }

  async function views(list: ScheduleRecord[]): Promise<ScheduleView[]> {
    const plans = await repo.viewPlans([...new Set(list.map((s) => s.planId))]);
    const last = await repo.lastRuns(list.map((s) => s.id));
    const hostsOf = list.length === 0
      ? new Map<string, string[]>()
      : scheduleHosts(list, plans, await repo.approvedHosts());
    const states = new Map(
      (await repo.hostStates([...new Set([...hostsOf.values()].flat())]))
        .map((h) => [h.hostId, h]),
    );
    const now = clock.now();
    return list.map((s) => {
      const plan = plans.get(s.planId);
      const paused = plan?.pausedUntil != null && plan.pausedUntil > now;
      const active = s.enabled && plan?.enabled === true && !paused;
      const lastRun = last.get(s.id);
      return {
        id: s.id,
        planId: s.planId,
        planName: plan?.name ?? "",
        kind: s.kind,
        rule: s.rule,
        timeZone: s.timeZone,
        jitterMinutes: s.jitterMinutes,
        catchUp: s.catchUp,
        enabled: s.enabled,
        cron: s.cron,
        description: describeRule(s.rule, s.timeZone),
        nextRuns: active ? nextRuns(s.cron, s.timeZone, now, 5).map((t) => iso(t)!) : [],
        pausedUntil: paused ? iso(plan!.pausedUntil) : null,
        runnerHostId: REPOSITORY_WIDE_KINDS.includes(s.kind) ? s.runnerHostId : null,
        lastRun: lastRun ? { ...lastRun, at: iso(lastRun.at)! } : null,
        hosts: (hostsOf.get(s.id) ?? []).flatMap((id) => {
          const h = states.get(id);
          return h ? [hostState(h)] : [];
        }),
        createdAt: iso(s.createdAt)!,
        updatedAt: iso(s.updatedAt)!,
      };
    });
  }

  function hostState(h: Awaited<ReturnType<SchedulesRepo["hostStates"]>>[number]) {
    return {
      hostId: h.hostId,
      hostName: h.hostName,
      pushedVersion: h.pushedVersion,
      pushedAt: iso(h.pushedAt),
      appliedVersion: h.appliedVersion,
      appliedAt: iso(h.appliedAt),
      drift: h.pushedVersion !== h.appliedVersion,
    };
  }

  /** The plan the schedule belongs to, checked: kind fits, not enabled on a disabled plan. */
  async function checkPlan(
    s: { planId: string; kind: ScheduleRecord["kind"]; enabled: boolean },
  ) {
    const plan = await repo.findPlan(s.planId);
    if (!plan) throw new NotFoundError("Plan", s.planId);
    const engine = (await repo.repositoryEngine(plan.repositoryId)) as Engine;
    if (!kindFitsEngine(engine, s.kind)) throw invalid("kind", `is not a ${engine} job`);
    if (s.enabled && !plan.enabled) {
      throw new ConflictError(
        "The plan is disabled: enable the plan first, or save this schedule disabled",
        "plan_disabled",
      );
    }
    if (s.kind === "forget" && !plan.hasRetention) {
      throw new ConflictError(
        "The plan keeps every snapshot: give it a retention policy before scheduling forget",
        "no_retention",
      );
    }
    return plan;
  }

  return {
    async list(f: { planId?: string; hostId?: string }): Promise<ScheduleView[]> {
      const all = await views(await repo.list({ planId: f.planId }));
      return f.hostId ? all.filter((s) => s.hosts.some((h) => h.hostId === f.hostId)) : all;
    },
    async get(id: string): Promise<ScheduleView> {
      return (await views([await mustFind(id)]))[0];
    },

    async create(actor: Actor, input: CreateSchedule): Promise<ScheduleView> {
      const cron = cronOf(input.rule);
      const plan = await checkPlan(input);
      if (await repo.findByPlanKind(input.planId, input.kind)) {
        throw new ConflictError(
          `The plan has a ${input.kind} schedule already: change that one`,
          "schedule_exists",
        );
      }
      const now = clock.now();
      const s: ScheduleRecord = {
        id: newId("sch", now),
        planId: input.planId,
        kind: input.kind,
        rule: input.rule,
        cron,
        timeZone: input.timeZone,
        jitterMinutes: input.jitterMinutes,
        catchUp: input.catchUp,
        enabled: input.enabled,
        runnerHostId: REPOSITORY_WIDE_KINDS.includes(input.kind)
          ? runnerFor(plan, await repo.approvedHosts())
          : null,
        createdBy: actor.name,
        createdAt: now,
        updatedAt: now,
      };
      await repo.insert(s);
      await audit.record(actor, {
        action: "schedule.created",
        target: { type: "schedule", id: s.id },
        details: { planId: s.planId, kind: s.kind, cron, timeZone: s.timeZone, enabled: s.enabled },
      });
      pushSoon();
      return (await views([await mustFind(s.id)]))[0];
    },

    async update(actor: Actor, id: string, patch: UpdateSchedule): Promise<ScheduleView> {
      const before = await mustFind(id);
      const next: ScheduleRecord = { ...before, ...patch, updatedAt: clock.now() };
      if (patch.rule) next.cron = cronOf(patch.rule);
      if (patch.enabled === true) await checkPlan(next);
      await repo.update(next);
      await audit.record(actor, {
        action: "schedule.updated",
        target: { type: "schedule", id },
        details: { changed: Object.keys(patch), cron: next.cron, enabled: next.enabled },
      });
      pushSoon();
      return (await views([await mustFind(id)]))[0];
    },

    async remove(actor: Actor, id: string): Promise<void> {
      const s = await mustFind(id);
      await repo.remove(id);
      await audit.record(actor, {
        action: "schedule.deleted",
        target: { type: "schedule", id },
        details: { planId: s.planId, kind: s.kind },
      });
      pushSoon();
    },

    preview(input: { rule: ScheduleRule; timeZone: string; count: number }): SchedulePreview {
      const cron = cronOf(input.rule);
      return {
        cron,
        description: describeRule(input.rule, input.timeZone),
        nextRuns: nextRuns(cron, input.timeZone, clock.now(), input.count).map((t) => iso(t)!),
      };
    },

    async pausePlan(actor: Actor, planId: string, input: PausePlan) {
      const now = clock.now();
      const until = input.for === "hours"
        ? now + input.hours * 3_600_000
        : input.for === "tomorrow"
        ? tomorrowAtSix(input.timeZone, now)
        : input.for === "indefinitely"
        ? PAUSED_INDEFINITELY
        : null;
      if (!(await repo.setPause(planId, until, now))) throw new NotFoundError("Plan", planId);
      await audit.record(actor, {
        action: until === null ? "plan.resumed" : "plan.paused",
        target: { type: "plan", id: planId },
        details: { for: input.for, until: until === PAUSED_INDEFINITELY ? "resumed" : iso(until) },
      });
      pushSoon();
      return {
        planId,
        pausedUntil: until === null ? null : iso(until),
        indefinitely: until === PAUSED_INDEFINITELY,
      };
    },

    async hostState(hostId: string): Promise<HostScheduleState> {
      const [h] = await repo.hostStates([hostId]);
      if (!h) throw new NotFoundError("Host", hostId);
      return hostState(h);
    },

    /** The agent's `schedule.applied`: the version it runs (never moves backwards). */
    async applied(hostId: string, body: unknown, now: number) {
      const b = v.safeParse(ScheduleAppliedSchema, body);
      if (b.success) await repo.markApplied(hostId, b.output.version, now);
    },
  };
}

export type SchedulesService = ReturnType<typeof createSchedulesService>;
