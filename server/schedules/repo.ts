/**
 * Schedules in SQL: the schedules table, the hosts' document versions (host_schedules), a
 * plan's pause, and the reads the push needs in bulk (every enabled schedule with its plan and
 * repository, every approved host) so one reconcile is a handful of queries.
 */
import type { Db } from "../db/connect.ts";
import { createSchedulePushRepo } from "./push_repo.ts";
import type { SchedulesTable } from "../db/schema_schedules.ts";
import type { CatchUp, ScheduleKind, ScheduleRule } from "../contract/schedules.ts";

export type { HostScheduleRow, PushHostRow, PushPlanRow } from "./push_repo.ts";

export interface ScheduleRecord {
  id: string;
  planId: string;
  kind: ScheduleKind;
  rule: ScheduleRule;
  cron: string;
  timeZone: string;
  jitterMinutes: number;
  catchUp: CatchUp;
  enabled: boolean;
  runnerHostId: string | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

export interface ViewPlan {
  name: string;
  pausedUntil: number | null;
  enabled: boolean;
  targetHostId: string | null;
  targetTag: string | null;
}

function toRecord(r: SchedulesTable): ScheduleRecord {
  return {
    id: r.id,
    planId: r.plan_id,
    kind: r.kind as ScheduleKind,
    rule: JSON.parse(r.rule) as ScheduleRule,
    cron: r.cron,
    timeZone: r.time_zone,
    jitterMinutes: r.jitter_minutes,
    catchUp: r.catch_up as CatchUp,
    enabled: r.enabled === 1,
    runnerHostId: r.runner_host_id,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRow(s: ScheduleRecord): SchedulesTable {
  return {
    id: s.id,
    plan_id: s.planId,
    kind: s.kind,
    rule: JSON.stringify(s.rule),
    cron: s.cron,
    time_zone: s.timeZone,
    jitter_minutes: s.jitterMinutes,
    catch_up: s.catchUp,
    enabled: s.enabled ? 1 : 0,
    runner_host_id: s.runnerHostId,
    created_by: s.createdBy,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

export function createSchedulesRepo(db: Db) {
  return {
    ...createSchedulePushRepo(db),
    async list(f: { planId?: string; ids?: string[] } = {}): Promise<ScheduleRecord[]> {
      let q = db.selectFrom("schedules").selectAll();
      if (f.planId) q = q.where("plan_id", "=", f.planId);
      if (f.ids) {
        if (f.ids.length === 0) return [];
        q = q.where("id", "in", f.ids);
      }
      return (await q.orderBy("plan_id").orderBy("kind").execute()).map(toRecord);
    },
    async find(id: string): Promise<ScheduleRecord | undefined> {
      const r = await db.selectFrom("schedules").selectAll().where("id", "=", id)
        .executeTakeFirst();
      return r && toRecord(r);
    },
    async findByPlanKind(planId: string, kind: string): Promise<ScheduleRecord | undefined> {
      const r = await db.selectFrom("schedules").selectAll().where("plan_id", "=", planId)
        .where("kind", "=", kind).executeTakeFirst();
      return r && toRecord(r);
    },
    async insert(s: ScheduleRecord) {
      await db.insertInto("schedules").values(toRow(s)).execute();
    },
    async update(s: ScheduleRecord) {
      const { id: _id, plan_id: _p, kind: _k, created_by: _c, created_at: _a, ...rest } = toRow(s);
      await db.updateTable("schedules").set(rest).where("id", "=", s.id).execute();
    },
    async remove(id: string): Promise<boolean> {
      const r = await db.deleteFrom("schedules").where("id", "=", id).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
    async findPlan(id: string) {
      const r = await db.selectFrom("plans")
        .select([
          "id",
          "name",
          "enabled",
          "paused_until",
          "repository_id",
          "retention",
          "target_host_id",
          "target_tag",
        ])
        .where("id", "=", id).executeTakeFirst();
      return r && {
        id: r.id,
        name: r.name,
        enabled: r.enabled === 1,
        pausedUntil: r.paused_until ?? null,
        repositoryId: r.repository_id,
        hasRetention: r.retention !== "{}" && r.retention !== "",
        targetHostId: r.target_host_id,
        targetTag: r.target_tag,
      };
    },
    /** What a schedule's view shows of its plan, and whom the plan targets. */
    async viewPlans(ids: string[]): Promise<Map<string, ViewPlan>> {
      if (ids.length === 0) return new Map();
      const rows = await db.selectFrom("plans")
        .select(["id", "name", "paused_until", "enabled", "target_host_id", "target_tag"])
        .where("id", "in", ids).execute();
      return new Map(rows.map((r) => [r.id, {
        name: r.name,
        pausedUntil: r.paused_until ?? null,
        enabled: r.enabled === 1,
        targetHostId: r.target_host_id,
        targetTag: r.target_tag,
      }]));
    },
    async setPause(planId: string, pausedUntil: number | null, now: number): Promise<boolean> {
      const r = await db.updateTable("plans").set({ paused_until: pausedUntil, updated_at: now })
        .where("id", "=", planId).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async repositoryEngine(id: string): Promise<string | undefined> {
      const r = await db.selectFrom("repositories").select("engine").where("id", "=", id)
        .executeTakeFirst();
      return r?.engine;
    },

    async hostStates(hostIds?: string[]) {
      let q = db.selectFrom("hosts").leftJoin(
        "host_schedules",
        "host_schedules.host_id",
        "hosts.id",
      )
        .select([
          "hosts.id",
          "hosts.name",
          "host_schedules.pushed_version",
          "host_schedules.pushed_at",
          "host_schedules.applied_version",
          "host_schedules.applied_at",
        ]);
      if (hostIds) {
        if (hostIds.length === 0) return [];
        q = q.where("hosts.id", "in", hostIds);
      }
      const rows = await q.orderBy("hosts.name").execute();
      return rows.map((r) => ({
        hostId: r.id,
        hostName: r.name,
        pushedVersion: r.pushed_version ?? 0,
        pushedAt: r.pushed_at ?? null,
        appliedVersion: r.applied_version ?? 0,
        appliedAt: r.applied_at ?? null,
      }));
    },
    /** The agent's acknowledgement; never moves backwards. */
    async markApplied(hostId: string, version: number, at: number) {
      await db.insertInto("host_schedules").values({
        host_id: hostId,
        pushed_version: 0,
        applied_version: version,
        applied_at: at,
      }).onConflict((oc) =>
        oc.column("host_id").doUpdateSet({ applied_version: version, applied_at: at })
          .where("host_schedules.applied_version", "<", version)
      ).execute();
    },
    async lastRuns(scheduleIds: string[]) {
      if (scheduleIds.length === 0) {
        return new Map<string, { jobId: string; status: string; at: number }>();
      }
      const rows = await db.selectFrom("jobs").select(["schedule_id", "id", "status", "created_at"])
        .where("schedule_id", "in", scheduleIds)
        .where(
          "id",
          "in",
          (eb) =>
            eb.selectFrom("jobs as j2").select((e2) => e2.fn.max("j2.id").as("id"))
              .where("j2.schedule_id", "in", scheduleIds).groupBy("j2.schedule_id"),
        ).execute();
      return new Map(rows.map((r) => [r.schedule_id!, {
        jobId: r.id,
        status: r.status,
        at: r.created_at,
      }]));
    },
  };
}

export type SchedulesRepo = ReturnType<typeof createSchedulesRepo>;
