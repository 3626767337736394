/**
 * Drill schedules in SQL: the schedules themselves, the claim a tick makes before it starts a
 * drill (a compare-and-set on last_run_at, so two ticks, or a tick racing an edit, never start
 * one slot twice), and the reads a run needs: the hosts of a plan, whether a host was seen
 * lately, and a host's newest snapshot in any repository.
 */
import { sql } from "kysely";
import type { Db } from "../db/connect.ts";
import type { ScheduleRule } from "../contract/schedules.ts";
import type { DrillScheduleScope } from "../contract/drills.ts";

export interface DrillScheduleRecord {
  id: string;
  scope: DrillScheduleScope;
  planId: string | null;
  hostId: string | null;
  rule: ScheduleRule;
  cron: string;
  timeZone: string;
  sampleSize: number;
  targetHostId: string | null;
  enabled: boolean;
  lastRunAt: number | null;
  lastDrillId: string | null;
  lastSkipReason: string | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/** A schedule the ticker may run: enabled, and (plan scope) its plan enabled and not paused. */
export interface ActiveDrillSchedule extends DrillScheduleRecord {
  planPausedUntil: number | null;
}

export interface DrillHost {
  id: string;
  name: string;
  state: string;
  lastSeenAt: number | null;
}

type Row = Awaited<ReturnType<ReturnType<typeof selectSchedules>["execute"]>>[number];
const selectSchedules = (db: Db) => db.selectFrom("drill_schedules").selectAll();

function parseRule(text: string): ScheduleRule {
  try {
    return JSON.parse(text) as ScheduleRule;
  } catch {
    return { type: "cron", expression: "" }; // written by Cairn only; never runs if damaged
  }
}

function toRecord(r: Row): DrillScheduleRecord {
  return {
    id: r.id,
    scope: r.scope as DrillScheduleScope,
    planId: r.plan_id,
    hostId: r.host_id,
    rule: parseRule(r.rule),
    cron: r.cron,
    timeZone: r.time_zone,
    sampleSize: r.sample_size,
    targetHostId: r.target_host_id,
    enabled: r.enabled === 1,
    lastRunAt: r.last_run_at,
    lastDrillId: r.last_drill_id,
    lastSkipReason: r.last_skip_reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function createDrillSchedulesRepo(db: Db) {
  return {
    async insert(r: Omit<DrillScheduleRecord, "lastRunAt" | "lastDrillId" | "lastSkipReason">) {
      await db.insertInto("drill_schedules").values({
        id: r.id,
        scope: r.scope,
        plan_id: r.planId,
        host_id: r.hostId,
        rule: JSON.stringify(r.rule),
        cron: r.cron,
        time_zone: r.timeZone,
        sample_size: r.sampleSize,
        target_host_id: r.targetHostId,
        enabled: r.enabled ? 1 : 0,
        created_by: r.createdBy,
        created_at: r.createdAt,
        updated_at: r.updatedAt,
      }).execute();
    },
    async find(id: string): Promise<DrillScheduleRecord | undefined> {
      const r = await selectSchedules(db).where("id", "=", id).executeTakeFirst();
      return r && toRecord(r);
    },
    async findBySubject(s: { planId?: string | null; hostId?: string | null }) {
      let q = selectSchedules(db);
      q = s.planId ? q.where("plan_id", "=", s.planId) : q.where("host_id", "=", s.hostId!);
      const r = await q.executeTakeFirst();
      return r && toRecord(r);
    },
    async list(f: { planId?: string; hostId?: string }): Promise<DrillScheduleRecord[]> {
      let q = selectSchedules(db);
      if (f.planId) q = q.where("plan_id", "=", f.planId);
      if (f.hostId) q = q.where("host_id", "=", f.hostId);
      return (await q.orderBy("created_at").orderBy("id").execute()).map(toRecord);
    },
    async update(id: string, r: DrillScheduleRecord): Promise<void> {
      await db.updateTable("drill_schedules").set({
        rule: JSON.stringify(r.rule),
        cron: r.cron,
        time_zone: r.timeZone,
        sample_size: r.sampleSize,
        target_host_id: r.targetHostId,
        enabled: r.enabled ? 1 : 0,
        updated_at: r.updatedAt,
      }).where("id", "=", id).execute();
    },
    async remove(id: string): Promise<boolean> {
      const r = await db.deleteFrom("drill_schedules").where("id", "=", id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    /** Enabled schedules whose plan (if any) is enabled; the ticker judges the pause itself. */
    async listActive(): Promise<ActiveDrillSchedule[]> {
      const rows = await db.selectFrom("drill_schedules as s")
        .leftJoin("plans as p", "p.id", "s.plan_id")
        .selectAll("s")
        .select(["p.paused_until as plan_paused_until"])
        .where("s.enabled", "=", 1)
        .where((eb) => eb.or([eb("s.plan_id", "is", null), eb("p.enabled", "=", 1)]))
        .execute();
      return rows.map((r) => ({ ...toRecord(r), planPausedUntil: r.plan_paused_until ?? null }));
    },
    /**
     * Takes a slot: moves last_run_at from what the ticker read to `now`. False when another
     * tick (or an edit) moved it first; the caller then starts nothing.
     */
    async claim(id: string, seen: number | null, now: number): Promise<boolean> {
      const r = await db.updateTable("drill_schedules").set({ last_run_at: now })
        .where("id", "=", id)
        .where("last_run_at", seen === null ? "is" : "=", seen)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async recordAttempt(id: string, a: { drillId: string | null; skipReason: string | null }) {
      await db.updateTable("drill_schedules").set({
        ...(a.drillId ? { last_drill_id: a.drillId } : {}),
        last_skip_reason: a.skipReason,
      }).where("id", "=", id).execute();
    },
    async findHost(id: string): Promise<DrillHost | undefined> {
      const r = await db.selectFrom("hosts").leftJoin("host_contacts as c", "c.host_id", "hosts.id")
        .select(["hosts.id", "hosts.name", "hosts.state", "c.last_seen_at"])
        .where("hosts.id", "=", id).executeTakeFirst();
      return r && { id: r.id, name: r.name, state: r.state, lastSeenAt: r.last_seen_at ?? null };
    },
    async findPlan(id: string) {
      const r = await db.selectFrom("plans").select(["id", "name", "enabled", "paused_until"])
        .where("id", "=", id).executeTakeFirst();
      return r && {
        id: r.id,
        name: r.name,
        enabled: r.enabled === 1,
        pausedUntil: r.paused_until ?? null,
      };
    },
    /** The approved hosts a plan backs up (its host, or the hosts with its tag), by name. */
    async planHosts(planId: string): Promise<DrillHost[]> {
      const r = await sql<DrillHost>`
        SELECT h.id, h.name, h.state, c.last_seen_at AS lastSeenAt
        FROM plans p JOIN hosts h ON h.state = 'approved' AND (h.id = p.target_host_id OR
          (p.target_tag IS NOT NULL AND EXISTS
            (SELECT 1 FROM json_each(h.tags) t WHERE t.value = p.target_tag)))
        LEFT JOIN host_contacts c ON c.host_id = h.id
        WHERE p.id = ${planId} ORDER BY h.name`.execute(db);
      return r.rows;
    },
    /** The repository of the host's newest cached snapshot, in any repository. */
    async latestRepositoryOf(hostId: string): Promise<string | undefined> {
      const r = await db.selectFrom("snapshots").select("repository_id")
        .where("host_id", "=", hostId).orderBy("time", "desc").executeTakeFirst();
      return r?.repository_id;
    },
    /** What the views name: plans (with whether they run) and hosts by id. */
    async names(ids: { plans: string[]; hosts: string[] }) {
      const plans = ids.plans.length
        ? await db.selectFrom("plans").select(["id", "name", "enabled", "paused_until"])
          .where("id", "in", ids.plans).execute()
        : [];
      const hosts = ids.hosts.length
        ? await db.selectFrom("hosts").select(["id", "name"]).where("id", "in", ids.hosts)
          .execute()
        : [];
      return {
        plans: new Map(plans.map((p) => [p.id, {
          name: p.name,
          enabled: p.enabled === 1,
          pausedUntil: p.paused_until ?? null,
        }])),
        hosts: new Map(hosts.map((h) => [h.id, h.name])),
      };
    },
  };
}

export type DrillSchedulesRepo = ReturnType<typeof createDrillSchedulesRepo>;
