/**
 * The configuration a job is built from, read for the jobs domain: repositories, SSH keys,
 * plans and hosts. Their own domains own and write these tables; jobs only read them.
 */
import { sql } from "kysely";
import type { Db } from "../../db/connect.ts";
import type { HostState } from "../../db/schema_agents.ts";
import type { Engine, RepositoryLocation } from "../../contract/jobs.ts";

export interface RepositoryRecord {
  id: string;
  name: string;
  engine: Engine;
  location: RepositoryLocation;
  passphraseSealed: string;
  credentialsSealed: string | null;
  sshKeyId: string | null;
  knownHosts: string | null;
}

export interface PlanRecord {
  id: string;
  name: string;
  repositoryId: string;
  targetHostId: string | null;
  targetTag: string | null;
  sources: string[];
  excludes: string[];
  excludeIfPresent: string[];
  oneFileSystem: boolean;
  compression: string | null;
  tags: string[];
  limits: { uploadKiB?: number; downloadKiB?: number };
  retention: Record<string, unknown>;
  hooksSealed: string | null;
}

export interface HostRecord {
  id: string;
  name: string;
  state: HostState;
  tags: string[];
  publicKey: string;
  boxPublicKey: string;
  lastSeenAt: number | null;
}

function json<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback; // written by Cairn only; a damaged cell reads as empty, not as a 500
  }
}

export function createJobConfigRepo(db: Db) {
  return {
    async findRepository(id: string): Promise<RepositoryRecord | undefined> {
      const r = await db.selectFrom("repositories").selectAll().where("id", "=", id)
        .executeTakeFirst();
      return r && {
        id: r.id,
        name: r.name,
        engine: r.engine,
        location: json(r.location, { kind: "local", path: "/" } as RepositoryLocation),
        passphraseSealed: r.passphrase_sealed,
        credentialsSealed: r.credentials_sealed,
        sshKeyId: r.ssh_key_id,
        knownHosts: r.known_hosts,
      };
    },
    async findSshKey(id: string) {
      const r = await db.selectFrom("ssh_keys").select(["private_key_sealed", "passphrase_sealed"])
        .where("id", "=", id).executeTakeFirst();
      return r && { privateKeySealed: r.private_key_sealed, passphraseSealed: r.passphrase_sealed };
    },
    async findPlan(id: string): Promise<PlanRecord | undefined> {
      const r = await db.selectFrom("plans").selectAll().where("id", "=", id).executeTakeFirst();
      return r && {
        id: r.id,
        name: r.name,
        repositoryId: r.repository_id,
        targetHostId: r.target_host_id,
        targetTag: r.target_tag,
        sources: json(r.sources, []),
        excludes: json(r.excludes, []),
        excludeIfPresent: json(r.exclude_if_present, []),
        oneFileSystem: r.one_file_system === 1,
        compression: r.compression,
        tags: json(r.tags, []),
        limits: json(r.limits, {}),
        retention: json(r.retention, {}),
        hooksSealed: r.hooks_sealed,
      };
    },
    /** Hosts by id, or the approved hosts carrying `tag`. */
    async findHosts(by: { ids?: string[]; approvedWithTag?: string }): Promise<HostRecord[]> {
      let q = db.selectFrom("hosts").leftJoin("host_contacts", "host_contacts.host_id", "hosts.id")
        .select([
          "hosts.id",
          "hosts.name",
          "hosts.state",
          "hosts.tags",
          "hosts.public_key",
          "hosts.box_public_key",
          "host_contacts.last_seen_at",
        ]);
      if (by.ids) {
        if (by.ids.length === 0) return [];
        q = q.where("hosts.id", "in", by.ids);
      }
      if (by.approvedWithTag !== undefined) {
        q = q.where("hosts.state", "=", "approved").where(
          sql<
            boolean
          >`exists (select 1 from json_each(hosts.tags) where value = ${by.approvedWithTag})`,
        );
      }
      const rows = await q.orderBy("hosts.name").execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        state: r.state,
        tags: json(r.tags, []),
        publicKey: r.public_key,
        boxPublicKey: r.box_public_key,
        lastSeenAt: r.last_seen_at ?? null,
      }));
    },
  };
}
