import { createAuditRepo } from "../audit/repo.ts";
import type { AuditRepo } from "../audit/repo.ts";
import type { Engine, RepositoryLocation } from "../contract/jobs.ts";
import type { Db } from "../db/connect.ts";
import type { RepositoriesTable } from "../db/schema_backups.ts";

const ACTIVE = ["queued", "sent", "running"] as const;

/** A repository as the API may see it: secrets only as "set" flags. */
export interface Repository {
  id: string;
  name: string;
  engine: Engine;
  location: RepositoryLocation;
  credentialsSet: boolean;
  sshKeyId: string | null;
  knownHostsSet: boolean;
  state: "new" | "ready" | "error";
  appendOnly: boolean | null;
  stats: unknown;
  lockState: unknown;
  lastCheckAt: number | null;
  lastCheckStatus: string | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  plans: Array<{ id: string; name: string }>;
  activeJobId: string | null;
}

export interface NewRepository {
  id: string;
  name: string;
  engine: Engine;
  location: RepositoryLocation;
  passphraseSealed: string;
  credentialsSealed: string | null;
  sshKeyId: string | null;
  knownHosts: string | null;
  createdBy: string;
  now: number;
}

export interface RepositoryPatch {
  name?: string;
  location?: RepositoryLocation;
  passphraseSealed?: string;
  credentialsSealed?: string | null;
  sshKeyId?: string | null;
  knownHosts?: string | null;
  now: number;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null; // written by jobs from tool output; a damaged cell shows as unknown, not a 500
  }
}

function repositoryQueries(db: Db) {
  async function load(id?: string): Promise<Repository[]> {
    let q = db.selectFrom("repositories").select([
      "id",
      "name",
      "engine",
      "location",
      "credentials_sealed",
      "ssh_key_id",
      "known_hosts",
      "state",
      "append_only",
      "stats",
      "lock_state",
      "last_check_at",
      "last_check_status",
      "created_by",
      "created_at",
      "updated_at",
    ]);
    if (id !== undefined) q = q.where("id", "=", id);
    const rows = await q.orderBy("name").execute();
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const plans = await db.selectFrom("plans").select(["id", "name", "repository_id"])
      .where("repository_id", "in", ids).orderBy("name").execute();
    const jobs = await db.selectFrom("jobs").select(["id", "repository_id"])
      .where("status", "in", ACTIVE).where("repository_id", "in", ids).orderBy("id", "desc")
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      engine: r.engine,
      location: JSON.parse(r.location) as RepositoryLocation,
      credentialsSet: r.credentials_sealed !== null,
      sshKeyId: r.ssh_key_id,
      knownHostsSet: r.known_hosts !== null,
      state: r.state,
      appendOnly: r.append_only === null ? null : r.append_only === 1,
      stats: parseJson(r.stats),
      lockState: parseJson(r.lock_state),
      lastCheckAt: r.last_check_at,
      lastCheckStatus: r.last_check_status,
      createdBy: r.created_by,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      plans: plans.filter((p) => p.repository_id === r.id).map((p) => ({ id: p.id, name: p.name })),
      activeJobId: jobs.find((j) => j.repository_id === r.id)?.id ?? null,
    }));
  }
  return {
    listRepositories: () => load(),
    findRepository: async (id: string): Promise<Repository | undefined> => (await load(id))[0],
    async nameTaken(name: string, except?: string): Promise<boolean> {
      let q = db.selectFrom("repositories").select("id").where("name", "=", name);
      if (except !== undefined) q = q.where("id", "!=", except);
      return (await q.executeTakeFirst()) !== undefined;
    },
    async sshKeyExists(id: string): Promise<boolean> {
      return (await db.selectFrom("ssh_keys").select("id").where("id", "=", id)
        .executeTakeFirst()) !== undefined;
    },
    async insertRepository(r: NewRepository): Promise<void> {
      const row: RepositoriesTable = {
        id: r.id,
        name: r.name,
        engine: r.engine,
        location: JSON.stringify(r.location),
        passphrase_sealed: r.passphraseSealed,
        credentials_sealed: r.credentialsSealed,
        ssh_key_id: r.sshKeyId,
        known_hosts: r.knownHosts,
        state: "new",
        append_only: null,
        stats: "{}",
        lock_state: "{}",
        last_check_at: null,
        last_check_status: null,
        created_by: r.createdBy,
        created_at: r.now,
        updated_at: r.now,
      };
      await db.insertInto("repositories").values(row).execute();
    },
    async updateRepository(id: string, p: RepositoryPatch): Promise<void> {
      await db.updateTable("repositories").set({
        updated_at: p.now,
        ...(p.name !== undefined ? { name: p.name } : {}),
        ...(p.location !== undefined ? { location: JSON.stringify(p.location) } : {}),
        ...(p.passphraseSealed !== undefined ? { passphrase_sealed: p.passphraseSealed } : {}),
        ...(p.credentialsSealed !== undefined ? { credentials_sealed: p.credentialsSealed } : {}),
        ...(p.sshKeyId !== undefined ? { ssh_key_id: p.sshKeyId } : {}),
        ...(p.knownHosts !== undefined ? { known_hosts: p.knownHosts } : {}),
      }).where("id", "=", id).execute();
    },
    /** Forgets the repository in Cairn: its jobs and cached snapshots go with it (FK cascade). */
    async deleteRepository(id: string): Promise<void> {
      await db.deleteFrom("repositories").where("id", "=", id).execute();
    },
  };
}

export type RepositoryQueries = ReturnType<typeof repositoryQueries>;

export function createRepositoriesRepo(db: Db) {
  return {
    ...repositoryQueries(db),
    /** Runs fn in one write transaction; the audit entry it records commits with its change. */
    transact<T>(fn: (tx: RepositoryQueries & { audit: AuditRepo }) => Promise<T>): Promise<T> {
      return db.transaction().execute((trx) =>
        fn({ ...repositoryQueries(trx), audit: createAuditRepo(trx) })
      );
    },
  };
}

export type RepositoriesRepo = ReturnType<typeof createRepositoriesRepo>;
