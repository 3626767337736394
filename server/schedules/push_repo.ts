/**
 * The push's reads and writes in bulk: the stamp that says whether anything a document depends
 * on changed, every plan with its repository as stored, every approved host, the hosts' document
 * versions, and the queue of schedule.put commands. Part of the schedules repo (repo.ts).
 */
import { sql } from "kysely";
import type { Db } from "../db/connect.ts";
import type { Engine } from "../contract/jobs.ts";
import { sha256Hex } from "../ids.ts";

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

export function createSchedulePushRepo(db: Db) {
  return {
    async setRunners(changes: Array<{ id: string; runnerHostId: string | null }>) {
      if (changes.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const c of changes) {
          await trx.updateTable("schedules").set({ runner_host_id: c.runnerHostId })
            .where("id", "=", c.id).execute();
        }
      });
    },
    /**
     * A stamp of everything a schedule document is made from: for schedules, plans and hosts
     * the row count and the sum and maximum of updated_at (every write of these tables sets it),
     * SSH keys' count (they are only made and removed), and a digest of the repositories' spec
     * columns. An equal stamp means nothing a document depends on changed: two small queries
     * instead of reading every row.
     */
    async pushStamp(): Promise<string> {
      const r = await sql<{ stamp: string }>`SELECT
        (SELECT count(*) || ':' || total(updated_at) || ':' || ifnull(max(updated_at), 0)
           FROM schedules) || '|' ||
        (SELECT count(*) || ':' || total(updated_at) || ':' || ifnull(max(updated_at), 0)
           FROM plans) || '|' ||
        (SELECT count(*) || ':' || total(created_at) FROM ssh_keys) || '|' ||
        (SELECT count(*) || ':' || total(updated_at) || ':' || ifnull(max(updated_at), 0)
           FROM hosts) AS stamp`.execute(db);
      // A repository's updated_at moves whenever one of its jobs ends (stats, locks, checks),
      // which changes no document: its few rows' spec columns are read instead.
      const repos = await db.selectFrom("repositories")
        .select([
          "id",
          "name",
          "engine",
          "location",
          "passphrase_sealed",
          "credentials_sealed",
          "ssh_key_id",
          "known_hosts",
        ]).orderBy("id").execute();
      const repoText = repos.map((x) => Object.values(x).join("\u0001")).join("\u0002");
      return `${r.rows[0]?.stamp ?? ""}|${sha256Hex(repoText)}`;
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
    /** Drops the host's older schedule documents that were never acknowledged. */
    async dropUnackedPuts(hostId: string) {
      await db.deleteFrom("agent_commands").where("host_id", "=", hostId)
        .where("kind", "=", "schedule.put").where("acked_at", "is", null).execute();
    },
  };
}
