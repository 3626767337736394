/**
 * Drill schedules as people edit them: one per plan or per host, a rule in a zone, a sample
 * size and an optional host that does the restore. Every write is audited. Every refusal (an
 * unknown plan or host, a rule that never runs, a second schedule for the same plan or host, an
 * enabled schedule on a disabled plan) happens before anything is written.
 */
import type { Actor, AuditService } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import type {
  CreateDrillSchedule,
  DrillSchedulesQuery,
  DrillScheduleView,
  UpdateDrillSchedule,
} from "../contract/drills.ts";
import { describeRule, ruleToCron, ScheduleError } from "../contract/cron.ts";
import { nextRunAfter, nextRuns } from "../contract/schedule_time.ts";
import type { ScheduleRule } from "../contract/schedules.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { newId } from "../ids.ts";
import { invalid } from "../repositories/rules.ts";
import type { DrillScheduleRecord, DrillSchedulesRepo } from "./schedule_repo.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The cron a rule stands for, checked to run at all; otherwise a 400 naming the field. */
function cronOf(rule: ScheduleRule, timeZone: string, now: number): string {
  try {
    const cron = ruleToCron(rule);
    nextRunAfter(cron, timeZone, now);
    return cron;
  } catch (err) {
    if (err instanceof ScheduleError) throw invalid("rule.expression", err.message);
    throw err;
  }
}

/**
 * The instant a schedule counts its next run from: its last attempt, or when it was made or
 * last edited (an edit starts afresh: a changed rule does not fire at once for a slot of the
 * old one).
 */
export function countFrom(s: DrillScheduleRecord): number {
  return Math.max(s.lastRunAt ?? s.createdAt, s.updatedAt);
}

export function createDrillSchedulesService(deps: {
  repo: DrillSchedulesRepo;
  audit: AuditService;
  clock: Clock;
}) {
  const { repo, audit, clock } = deps;

  async function mustFind(id: string): Promise<DrillScheduleRecord> {
    const s = await repo.find(id);
    if (!s) throw new NotFoundError("Drill schedule", id);
    return s;
  }

  async function views(list: DrillScheduleRecord[]): Promise<DrillScheduleView[]> {
    const hostIds = list.flatMap((s) => [s.hostId, s.targetHostId]).filter((x) => x !== null);
    const names = await repo.names({
      plans: [...new Set(list.map((s) => s.planId).filter((x) => x !== null))],
      hosts: [...new Set(hostIds)],
    });
    const now = clock.now();
    return list.map((s) => {
      const plan = s.planId ? names.plans.get(s.planId) : undefined;
      const planIdle = s.planId !== null &&
        (!plan || !plan.enabled || (plan.pausedUntil !== null && plan.pausedUntil > now));
      const active = s.enabled && !planIdle;
      let next: number[] = [];
      try {
        next = active ? nextRuns(s.cron, s.timeZone, Math.max(now, countFrom(s)), 5) : [];
      } catch {
        next = []; // an expression that never runs (checked at save; zone data may change)
      }
      return {
        id: s.id,
        scope: s.scope,
        planId: s.planId,
        planName: plan?.name ?? null,
        hostId: s.hostId,
        hostName: s.hostId ? names.hosts.get(s.hostId) ?? null : null,
        rule: s.rule,
        timeZone: s.timeZone,
        cron: s.cron,
        description: describeRule(s.rule, s.timeZone),
        sampleSize: s.sampleSize,
        targetHostId: s.targetHostId,
        targetHostName: s.targetHostId ? names.hosts.get(s.targetHostId) ?? null : null,
        enabled: s.enabled,
        nextRuns: next.map((t) => iso(t)!),
        lastRunAt: iso(s.lastRunAt),
        lastDrillId: s.lastDrillId,
        lastSkipReason: s.lastSkipReason,
        createdBy: s.createdBy,
        createdAt: iso(s.createdAt)!,
        updatedAt: iso(s.updatedAt)!,
      };
    });
  }

  async function checkEnrolled(hostId: string) {
    const h = await repo.findHost(hostId);
    if (!h) throw new NotFoundError("Host", hostId);
    if (h.state !== "approved") {
      throw new ConflictError(`The host is not enrolled: ${h.name}`, "host_not_enrolled");
    }
  }

  async function checkPlanEnabled(planId: string | null, enabled: boolean) {
    if (!planId) return;
    const plan = await repo.findPlan(planId);
    if (!plan) throw new NotFoundError("Plan", planId);
    if (enabled && !plan.enabled) {
      throw new ConflictError(
        "The plan is disabled: enable the plan first, or save this drill schedule disabled",
        "plan_disabled",
      );
    }
  }

  async function checkSubject(input: CreateDrillSchedule) {
    if (input.hostId) await checkEnrolled(input.hostId);
    await checkPlanEnabled(input.planId ?? null, input.enabled);
    if (await repo.findBySubject(input)) {
      throw new ConflictError(
        `This ${input.planId ? "plan" : "host"} has a drill schedule already: change that one`,
        "drill_schedule_exists",
      );
    }
  }

  return {
    async list(q: DrillSchedulesQuery): Promise<DrillScheduleView[]> {
      return views(await repo.list(q));
    },
    async get(id: string): Promise<DrillScheduleView> {
      return (await views([await mustFind(id)]))[0];
    },
    async create(actor: Actor, input: CreateDrillSchedule): Promise<DrillScheduleView> {
      const now = clock.now();
      const cron = cronOf(input.rule, input.timeZone, now);
      await checkSubject(input);
      if (input.targetHostId) await checkEnrolled(input.targetHostId);
      const record: DrillScheduleRecord = {
        id: newId("drs", now),
        scope: input.planId ? "plan" : "host",
        planId: input.planId ?? null,
        hostId: input.hostId ?? null,
        rule: input.rule,
        cron,
        timeZone: input.timeZone,
        sampleSize: input.sampleSize,
        targetHostId: input.targetHostId,
        enabled: input.enabled,
        lastRunAt: null,
        lastDrillId: null,
        lastSkipReason: null,
        createdBy: actor.name,
        createdAt: now,
        updatedAt: now,
      };
      await repo.insert(record);
      await audit.record(actor, {
        action: "drill_schedule.created",
        target: { type: "drill_schedule", id: record.id },
        details: { planId: record.planId, hostId: record.hostId, cron, timeZone: input.timeZone },
      });
      return (await views([record]))[0];
    },
    async update(actor: Actor, id: string, input: UpdateDrillSchedule) {
      const s = await mustFind(id);
      const now = clock.now();
      const next: DrillScheduleRecord = { ...s, ...input, updatedAt: now };
      next.cron = cronOf(next.rule, next.timeZone, now);
      if (input.enabled === true) await checkPlanEnabled(s.planId, true);
      if (input.targetHostId) await checkEnrolled(input.targetHostId);
      await repo.update(id, next);
      await audit.record(actor, {
        action: "drill_schedule.updated",
        target: { type: "drill_schedule", id },
        details: { fields: Object.keys(input), cron: next.cron, timeZone: next.timeZone },
      });
      return (await views([(await repo.find(id)) ?? next]))[0];
    },
    async remove(actor: Actor, id: string): Promise<void> {
      const s = await mustFind(id);
      await repo.remove(id);
      await audit.record(actor, {
        action: "drill_schedule.deleted",
        target: { type: "drill_schedule", id },
        details: { planId: s.planId, hostId: s.hostId },
      });
    },
  };
}

export type DrillSchedulesService = ReturnType<typeof createDrillSchedulesService>;
