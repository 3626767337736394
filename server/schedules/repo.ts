/**
 * Schedules in SQL: the schedules table, the hosts' document versions (host_schedules), a
 * plan's pause, and the reads the push needs in bulk (every enabled schedule with its plan and
 * repository, every approved host) so one reconcile is a handful of queries.
 */
import { sql } from "kysely";
import type { Db } from "../db/connect.ts";
import type { SchedulesTable } from "../db/schema_schedules.ts";
import type { Engine } from "../contract/jobs.ts";
import { REPOSITORY_WIDE_KINDS } from "../contract/schedules.ts";
import type { CatchUp, ScheduleKind, ScheduleRule } from "../contract/schedules.ts";

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

export interface HostScheduleRow {
  hostId: string;
  pushedVersion: number;
  contentHash: string | null;
  pushedAt: number | null;
  appliedVersion: number;
  appliedAt: number | null;
}

/** What the push reads about one plan (raw JSON columns kept as text for the content hash). */
export interface PushPlanRow {
  id: string;
  name: string;
  enabled: boolean;
  pausedUntil: number | null;
  targetHostId: string | null;
  targetTag: string | null;
  repositoryId: string;
  engine: Engine;
  /** Every column a job spec is built from, as stored: changes here change the document. */
  fingerprint: string;
  hasRetention: boolean;
}

export interface PushHostRow {
  id: string;
  name: string;
  tags: string[];
  publicKey: string;
  boxPublicKey: string;
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
    async setRunners(changes: Array<{ id: string; runnerHostId: string | null }>) {
      if (changes.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const c of changes) {
          await trx.updateTable("schedules").set({ runner_host_id: c.runnerHostId })
            .where("id", "=", c.id).execute();
        }
      });
    },
    async findPlan(id: string) {
      const r = await db.selectFrom("plans")
        .select(["id", "name", "enabled", "paused_until", "repository_id", "retention"])
        .where("id", "=", id).executeTakeFirst();
      return r && {
        id: r.id,
        name: r.name,
        enabled: r.enabled === 1,
        pausedUntil: r.paused_until ?? null,
        repositoryId: r.repository_id,
        hasRetention: r.retention !== "{}" && r.retention !== "",
      };
    },
    /** The host a repository-wide kind of this plan runs on (push.ts runnerFor, in SQL). */
    async runnerOf(planId: string): Promise<string | null> {
      const p = await db.selectFrom("plans").select(["target_host_id", "target_tag"])
        .where("id", "=", planId).executeTakeFirst();
      if (!p) return null;
      let q = db.selectFrom("hosts").select("id").where("state", "=", "approved");
      q = p.target_host_id ? q.where("id", "=", p.target_host_id) : q.where(
        sql<boolean>`exists (select 1 from json_each(hosts.tags) where value = ${p.target_tag})`,
      );
      const h = await q.orderBy("name").orderBy("id").limit(1).executeTakeFirst();
      return h?.id ?? null;
    },
    /** The hosts each schedule runs on: the plan's approved hosts, or the one runner. */
    async scheduleHosts(list: ScheduleRecord[]): Promise<Map<string, string[]>> {
      const planIds = [...new Set(list.map((s) => s.planId))];
      if (planIds.length === 0) return new Map();
      const plans = new Map(
        (await db.selectFrom("plans").select(["id", "target_host_id", "target_tag"])
          .where("id", "in", planIds).execute()).map((p) => [p.id, p]),
      );
      const hosts = await db.selectFrom("hosts").select(["id", "tags"])
        .where("state", "=", "approved").orderBy("name").execute();
      const out = new Map<string, string[]>();
      for (const s of list) {
        const p = plans.get(s.planId);
        if (!p) continue;
        if (REPOSITORY_WIDE_KINDS.includes(s.kind)) {
          out.set(s.id, s.runnerHostId ? [s.runnerHostId] : []);
        } else if (p.target_host_id) {
          out.set(s.id, hosts.some((h) => h.id === p.target_host_id) ? [p.target_host_id] : []);
        } else {
          out.set(
            s.id,
            hosts.filter((h) => (JSON.parse(h.tags) as string[]).includes(p.target_tag ?? ""))
              .map((h) => h.id),
          );
        }
      }
      return out;
    },
    async planNames(
      ids: string[],
    ): Promise<Map<string, { name: string; pausedUntil: number | null; enabled: boolean }>> {
      if (ids.length === 0) return new Map();
      const rows = await db.selectFrom("plans").select(["id", "name", "paused_until", "enabled"])
        .where("id", "in", ids).execute();
      return new Map(rows.map((r) => [r.id, {
        name: r.name,
        pausedUntil: r.paused_until ?? null,
        enabled: r.enabled === 1,
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

    // ---- the push ----

    /**
     * A stamp of everything a schedule document is made from: per table the row count and the
     * sum and maximum of updated_at (SSH keys are never changed, only made and removed). Every write of these tables sets updated_at, so an equal
     * stamp means nothing a document depends on changed; one aggregate query instead of reading
     * every row.
     */
    async pushStamp(): Promise<string> {
      const r = await sql<{ stamp: string }>`SELECT
        (SELECT count(*) || ':' || total(updated_at) || ':' || ifnull(max(updated_at), 0)
           FROM schedules) || '|' ||
        (SELECT count(*) || ':' || total(updated_at) || ':' || ifnull(max(updated_at), 0)
           FROM plans) || '|' ||
        (SELECT count(*) || ':' || total(updated_at) || ':' || ifnull(max(updated_at), 0)
           FROM repositories) || '|' ||
        (SELECT count(*) || ':' || total(created_at) FROM ssh_keys) || '|' ||
        (SELECT count(*) || ':' || total(updated_at) || ':' || ifnull(max(updated_at), 0)
           FROM hosts) AS stamp`.execute(db);
      return r.rows[0]?.stamp ?? "";
    },

    async pushPlans(): Promise<PushPlanRow[]> {
      const rows = await db.selectFrom("plans").innerJoin(
        "repositories",
        "repositories.id",
        "plans.repository_id",
      )
        .leftJoin("ssh_keys", "ssh_keys.id", "repositories.ssh_key_id")
        .select([
          "plans.id",
          "plans.name",
          "plans.enabled",
          "plans.paused_until",
          "plans.target_host_id",
          "plans.target_tag",
          "plans.repository_id",
          "plans.sources",
          "plans.excludes",
          "plans.exclude_if_present",
          "plans.one_file_system",
          "plans.compression",
          "plans.tags",
          "plans.limits",
          "plans.retention",
          "plans.hooks_sealed",
          "repositories.name as repository_name",
          "repositories.engine",
          "repositories.location",
          "repositories.passphrase_sealed",
          "repositories.credentials_sealed",
          "repositories.known_hosts",
          "ssh_keys.private_key_sealed",
          "ssh_keys.passphrase_sealed as ssh_passphrase_sealed",
        ]).where("plans.id", "in", db.selectFrom("schedules").select("plan_id")).execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        enabled: r.enabled === 1,
        pausedUntil: r.paused_until ?? null,
        targetHostId: r.target_host_id,
        targetTag: r.target_tag,
        repositoryId: r.repository_id,
        engine: r.engine,
        fingerprint: [
          r.name,
          r.sources,
          r.excludes,
          r.exclude_if_present,
          r.one_file_system,
          r.compression,
          r.tags,
          r.limits,
          r.retention,
          r.hooks_sealed,
          r.repository_name,
          r.engine,
          r.location,
          r.passphrase_sealed,
          r.credentials_sealed,
          r.known_hosts,
          r.private_key_sealed,
          r.ssh_passphrase_sealed,
        ].join("\u0001"),
        hasRetention: r.retention !== "{}" && r.retention !== "",
      }));
    },
    async approvedHosts(): Promise<PushHostRow[]> {
      const rows = await db.selectFrom("hosts")
        .select(["id", "name", "tags", "public_key", "box_public_key"])
        .where("state", "=", "approved").orderBy("name").orderBy("id").execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        tags: JSON.parse(r.tags) as string[],
        publicKey: r.public_key,
        boxPublicKey: r.box_public_key,
      }));
    },
    async hostSchedules(): Promise<Map<string, HostScheduleRow>> {
      const rows = await db.selectFrom("host_schedules").selectAll().execute();
      return new Map(rows.map((r) => [r.host_id, {
        hostId: r.host_id,
        pushedVersion: r.pushed_version,
        contentHash: r.content_hash,
        pushedAt: r.pushed_at,
        appliedVersion: r.applied_version,
        appliedAt: r.applied_at,
      }]));
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
    /** Records a new document version for a host; returns the version. */
    async bumpPushed(hostId: string, hash: string, now: number): Promise<number> {
      const r = await db.insertInto("host_schedules").values({
        host_id: hostId,
        pushed_version: 1,
        content_hash: hash,
        pushed_at: now,
        applied_version: 0,
      }).onConflict((oc) =>
        oc.column("host_id").doUpdateSet((eb) => ({
          pushed_version: eb("host_schedules.pushed_version", "+", 1),
          content_hash: hash,
          pushed_at: now,
        }))
      ).returning("pushed_version").executeTakeFirstOrThrow();
      return r.pushed_version;
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
    /** Drops the host's older schedule documents that were never acknowledged. */
    async dropUnackedPuts(hostId: string) {
      await db.deleteFrom("agent_commands").where("host_id", "=", hostId)
        .where("kind", "=", "schedule.put").where("acked_at", "is", null).execute();
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
