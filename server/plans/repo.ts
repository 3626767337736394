import { sql } from "kysely";
import { createAuditRepo } from "../audit/repo.ts";
import type { AuditRepo } from "../audit/repo.ts";
import type { PlanTarget } from "../contract/backups.ts";
import type { Engine, RepositoryLocation, Retention } from "../contract/jobs.ts";
import type { Db } from "../db/connect.ts";
import type { PlansTable } from "../db/schema_backups.ts";

/** A plan with its repository's name and engine; hooks only as their sealed text. */
export interface Plan {
  id: string;
  name: string;
  repositoryId: string;
  repositoryName: string;
  engine: Engine;
  target: PlanTarget;
  sources: string[];
  excludes: string[];
  excludeIfPresent: string[];
  oneFileSystem: boolean;
  compression: string | null;
  tags: string[];
  limits: { uploadKiB?: number; downloadKiB?: number };
  retention: Retention;
  hooksSealed: string | null;
  enabled: boolean;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  lastJob: { id: string; status: string; finishedAt: number | null } | null;
}

/** What a plan's row holds, as the service writes it. */
export type PlanFields = Omit<
  Plan,
  "repositoryName" | "engine" | "lastJob" | "createdBy" | "createdAt" | "updatedAt"
>;

export interface HostBrief {
  id: string;
  name: string;
  state: string;
  tags: string[];
}

export interface RepositoryBrief {
  id: string;
  name: string;
  engine: Engine;
  location: RepositoryLocation;
  sshKeyId: string | null;
  sshKeyHasPassphrase: boolean;
  knownHostsSet: boolean;
}

function json<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback; // written by this code only; a damaged cell shows as empty, not a 500
  }
}

function toRow(p: PlanFields): Omit<PlansTable, "created_by" | "created_at" | "updated_at"> {
  return {
    id: p.id,
    name: p.name,
    repository_id: p.repositoryId,
    target_host_id: p.target.type === "host" ? p.target.hostId : null,
    target_tag: p.target.type === "tag" ? p.target.tag : null,
    sources: JSON.stringify(p.sources),
    excludes: JSON.stringify(p.excludes),
    exclude_if_present: JSON.stringify(p.excludeIfPresent),
    one_file_system: p.oneFileSystem ? 1 : 0,
    compression: p.compression,
    tags: JSON.stringify(p.tags),
    limits: JSON.stringify(p.limits),
    retention: JSON.stringify(p.retention),
    hooks_sealed: p.hooksSealed,
    enabled: p.enabled ? 1 : 0,
  };
}

function planQueries(db: Db) {
  async function load(filter: { id?: string; hostId?: string; tags?: string[] }): Promise<Plan[]> {
    let q = db.selectFrom("plans").innerJoin(
      "repositories",
      "repositories.id",
      "plans.repository_id",
    )
      .selectAll("plans").select(["repositories.name as repository_name", "repositories.engine"]);
    if (filter.id !== undefined) q = q.where("plans.id", "=", filter.id);
    if (filter.hostId !== undefined) {
      const { hostId, tags = [] } = filter;
      q = q.where((eb) =>
        tags.length > 0
          ? eb.or([eb("plans.target_host_id", "=", hostId), eb("plans.target_tag", "in", tags)])
          : eb("plans.target_host_id", "=", hostId)
      );
    }
    const rows = await q.orderBy("plans.name").execute();
    if (rows.length === 0) return [];
    const last = await db.selectFrom("jobs").select(["id", "plan_id", "status", "finished_at"])
      .where("plan_id", "in", rows.map((r) => r.id))
      .where("id", "in", (eb) =>
        eb.selectFrom("jobs as j").select(sql<string>`max(j.id)`.as("id"))
          .where("j.plan_id", "is not", null).groupBy("j.plan_id"))
      .execute();
    return rows.map((r) => {
      const job = last.find((j) => j.plan_id === r.id);
      return {
        id: r.id,
        name: r.name,
        repositoryId: r.repository_id,
        repositoryName: r.repository_name,
        engine: r.engine,
        target: r.target_host_id !== null
          ? { type: "host", hostId: r.target_host_id }
          : { type: "tag", tag: r.target_tag ?? "" },
        sources: json(r.sources, []),
        excludes: json(r.excludes, []),
        excludeIfPresent: json(r.exclude_if_present, []),
        oneFileSystem: r.one_file_system === 1,
        compression: r.compression,
        tags: json(r.tags, []),
        limits: json(r.limits, {}),
        retention: json(r.retention, {}),
        hooksSealed: r.hooks_sealed,
        enabled: r.enabled === 1,
        createdBy: r.created_by,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        lastJob: job ? { id: job.id, status: job.status, finishedAt: job.finished_at } : null,
      };
    });
  }

  return {
    listPlans: (filter: { hostId?: string; tags?: string[] } = {}) => load(filter),
    findPlan: async (id: string): Promise<Plan | undefined> => (await load({ id }))[0],
    async findHost(id: string): Promise<HostBrief | undefined> {
      const r = await db.selectFrom("hosts").select(["id", "name", "state", "tags"])
        .where("id", "=", id).executeTakeFirst();
      return r && { id: r.id, name: r.name, state: r.state, tags: json<string[]>(r.tags, []) };
    },
    /** The hosts a target names now: the host itself, or the approved hosts with the tag. */
    async hostsOf(target: PlanTarget): Promise<Array<{ id: string; name: string }>> {
      let q = db.selectFrom("hosts").select(["id", "name"]);
      q = target.type === "host" ? q.where("id", "=", target.hostId) : q
        .where("state", "=", "approved")
        .where(
          sql<boolean>`exists (select 1 from json_each(hosts.tags) where value = ${target.tag})`,
        );
      return await q.orderBy("name").execute();
    },
    async findRepository(id: string): Promise<RepositoryBrief | undefined> {
      const r = await db.selectFrom("repositories")
        .leftJoin("ssh_keys", "ssh_keys.id", "repositories.ssh_key_id")
        .select([
          "repositories.id",
          "repositories.name",
          "repositories.engine",
          "repositories.location",
          "repositories.ssh_key_id",
          "repositories.known_hosts",
          "ssh_keys.passphrase_sealed",
        ])
        .where("repositories.id", "=", id).executeTakeFirst();
      return r && {
        id: r.id,
        name: r.name,
        engine: r.engine,
        location: JSON.parse(r.location) as RepositoryLocation,
        sshKeyId: r.ssh_key_id,
        sshKeyHasPassphrase: r.passphrase_sealed !== null,
        knownHostsSet: r.known_hosts !== null,
      };
    },
    async nameTaken(name: string, except?: string): Promise<boolean> {
      let q = db.selectFrom("plans").select("id").where("name", "=", name);
      if (except !== undefined) q = q.where("id", "!=", except);
      return (await q.executeTakeFirst()) !== undefined;
    },
    async insertPlan(p: PlanFields, by: string, now: number): Promise<void> {
      await db.insertInto("plans")
        .values({ ...toRow(p), created_by: by, created_at: now, updated_at: now }).execute();
    },
    async replacePlan(p: PlanFields, now: number): Promise<void> {
      await db.updateTable("plans").set({ ...toRow(p), updated_at: now })
        .where("id", "=", p.id).execute();
    },
    /** Jobs keep their history: their plan_id becomes null (FK ON DELETE SET NULL). */
    async deletePlan(id: string): Promise<void> {
      await db.deleteFrom("plans").where("id", "=", id).execute();
    },
  };
}

export type PlanQueries = ReturnType<typeof planQueries>;

export function createPlansRepo(db: Db) {
  return {
    ...planQueries(db),
    /** Runs fn in one write transaction; the audit entry it records commits with its change. */
    transact<T>(fn: (tx: PlanQueries & { audit: AuditRepo }) => Promise<T>): Promise<T> {
      return db.transaction().execute((trx) =>
        fn({ ...planQueries(trx), audit: createAuditRepo(trx) })
      );
    },
  };
}

export type PlansRepo = ReturnType<typeof createPlansRepo>;
