import { createAuditRepo } from "../audit/repo.ts";
import type { AuditRepo } from "../audit/repo.ts";
import type { Db } from "../db/connect.ts";
import type { SshKeysTable } from "../db/schema_backups.ts";

/** A key as the API may see it: no private material, only whether a passphrase is set. */
export interface SshKey {
  id: string;
  name: string;
  algorithm: string;
  publicKey: string;
  fingerprint: string;
  hasPassphrase: boolean;
  origin: "generated" | "imported";
  createdBy: string;
  createdAt: number;
  usedBy: Array<{ id: string; name: string }>;
}

export interface NewSshKey {
  id: string;
  name: string;
  algorithm: string;
  publicKey: string;
  fingerprint: string;
  privateKeySealed: string;
  passphraseSealed: string | null;
  origin: "generated" | "imported";
  createdBy: string;
  createdAt: number;
}

function toRow(k: NewSshKey): SshKeysTable {
  return {
    id: k.id,
    name: k.name,
    algorithm: k.algorithm,
    public_key: k.publicKey,
    fingerprint: k.fingerprint,
    private_key_sealed: k.privateKeySealed,
    passphrase_sealed: k.passphraseSealed,
    origin: k.origin,
    created_by: k.createdBy,
    created_at: k.createdAt,
  };
}

function keyQueries(db: Db) {
  async function usersOf(ids: string[]) {
    if (ids.length === 0) return new Map<string, Array<{ id: string; name: string }>>();
    const rows = await db.selectFrom("repositories").select(["id", "name", "ssh_key_id"])
      .where("ssh_key_id", "in", ids).orderBy("name").execute();
    const out = new Map<string, Array<{ id: string; name: string }>>();
    for (const r of rows) {
      const list = out.get(r.ssh_key_id!) ?? [];
      list.push({ id: r.id, name: r.name });
      out.set(r.ssh_key_id!, list);
    }
    return out;
  }
  const columns = [
    "id",
    "name",
    "algorithm",
    "public_key",
    "fingerprint",
    "passphrase_sealed",
    "origin",
    "created_by",
    "created_at",
  ] as const;
  async function load(where?: string): Promise<SshKey[]> {
    let q = db.selectFrom("ssh_keys").select(columns);
    if (where !== undefined) q = q.where("id", "=", where);
    const rows = await q.orderBy("name").execute();
    const users = await usersOf(rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      algorithm: r.algorithm,
      publicKey: r.public_key,
      fingerprint: r.fingerprint,
      hasPassphrase: r.passphrase_sealed !== null,
      origin: r.origin,
      createdBy: r.created_by,
      createdAt: r.created_at,
      usedBy: users.get(r.id) ?? [],
    }));
  }
  return {
    listKeys: () => load(),
    findKey: async (id: string): Promise<SshKey | undefined> => (await load(id))[0],
    async nameTaken(name: string): Promise<boolean> {
      const row = await db.selectFrom("ssh_keys").select("id").where("name", "=", name)
        .executeTakeFirst();
      return row !== undefined;
    },
    async insertKey(k: NewSshKey): Promise<void> {
      await db.insertInto("ssh_keys").values(toRow(k)).execute();
    },
    async deleteKey(id: string): Promise<void> {
      await db.deleteFrom("ssh_keys").where("id", "=", id).execute();
    },
  };
}

export type SshKeyQueries = ReturnType<typeof keyQueries>;

export function createSshKeysRepo(db: Db) {
  return {
    ...keyQueries(db),
    /** Runs fn in one write transaction; the audit entry it records commits with its change. */
    transact<T>(fn: (tx: SshKeyQueries & { audit: AuditRepo }) => Promise<T>): Promise<T> {
      return db.transaction().execute((trx) =>
        fn({ ...keyQueries(trx), audit: createAuditRepo(trx) })
      );
    },
  };
}

export type SshKeysRepo = ReturnType<typeof createSshKeysRepo>;
