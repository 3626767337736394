import type { Db } from "../db/connect.ts";
import type { HostContactsTable, HostsTable, HostState } from "../db/schema_agents.ts";

export type { HostState };

export interface Host {
  id: string;
  name: string;
  publicKey: string;
  boxPublicKey: string;
  fingerprint: string;
  state: HostState;
  tags: string[];
  facts: Record<string, unknown>;
  lockIp: string | null;
  enrolledIp: string;
  protocolVersion: number;
  createdAt: number;
  updatedAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
  /** false for a laptop (alerts judge it by staleness only); new hosts start true. */
  alwaysOnline?: boolean;
}

export interface HostContact {
  lastSeenAt: number;
  lastIp: string;
  clockSkewMs: number | null;
  outboxDepth: number;
  droppedLogs: number;
  lastHeartbeatAt: number | null;
}

export type HostWithContact = Host & { contact: HostContact | null };

export type ContactPatch = Partial<HostContact> & { lastSeenAt: number; lastIp: string };

export interface EnrollmentToken {
  id: string;
  name: string | null;
  tags: string[];
  lockIp: string | null;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  usedByHost: string | null;
  revokedAt: number | null;
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback; // written by this code only; a damaged cell shows as empty rather than failing the list
  }
}

function toHost(r: HostsTable): Host {
  return {
    id: r.id,
    name: r.name,
    publicKey: r.public_key,
    boxPublicKey: r.box_public_key,
    fingerprint: r.fingerprint,
    state: r.state,
    tags: parseJson<string[]>(r.tags, []),
    facts: parseJson<Record<string, unknown>>(r.facts, {}),
    lockIp: r.lock_ip,
    enrolledIp: r.enrolled_ip,
    protocolVersion: r.protocol_version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
    alwaysOnline: r.always_online !== 0,
  };
}

function toRow(h: Host): HostsTable {
  return {
    id: h.id,
    name: h.name,
    public_key: h.publicKey,
    box_public_key: h.boxPublicKey,
    fingerprint: h.fingerprint,
    state: h.state,
    tags: JSON.stringify(h.tags),
    facts: JSON.stringify(h.facts),
    lock_ip: h.lockIp,
    enrolled_ip: h.enrolledIp,
    protocol_version: h.protocolVersion,
    created_at: h.createdAt,
    updated_at: h.updatedAt,
    decided_at: h.decidedAt,
    decided_by: h.decidedBy,
  };
}

function toContact(
  r: { [K in keyof Omit<HostContactsTable, "host_id">]: HostContactsTable[K] | null },
): HostContact | null {
  if (r.last_seen_at === null || r.last_seen_at === undefined) return null;
  return {
    lastSeenAt: r.last_seen_at,
    lastIp: r.last_ip ?? "",
    clockSkewMs: r.clock_skew_ms ?? null,
    outboxDepth: r.outbox_depth ?? 0,
    droppedLogs: r.dropped_logs ?? 0,
    lastHeartbeatAt: r.last_heartbeat_at ?? null,
  };
}

function toToken(r: {
  id: string;
  name: string | null;
  tags: string;
  lock_ip: string | null;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by_host: string | null;
  revoked_at: number | null;
}): EnrollmentToken {
  return {
    id: r.id,
    name: r.name,
    tags: parseJson<string[]>(r.tags, []),
    lockIp: r.lock_ip,
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    usedAt: r.used_at,
    usedByHost: r.used_by_host,
    revokedAt: r.revoked_at,
  };
}

const CONTACT_COLUMNS = [
  "host_contacts.last_seen_at",
  "host_contacts.last_ip",
  "host_contacts.clock_skew_ms",
  "host_contacts.outbox_depth",
  "host_contacts.dropped_logs",
  "host_contacts.last_heartbeat_at",
] as const;

export function createHostsRepo(db: Db) {
  const withContact = () =>
    db.selectFrom("hosts").leftJoin("host_contacts", "host_contacts.host_id", "hosts.id")
      .selectAll("hosts").select(CONTACT_COLUMNS);
  return {
    async insertHost(h: Host) {
      await db.insertInto("hosts").values(toRow(h)).execute();
    },
    /** Inserts an approved host and spends the token in one transaction; false if the token was spent meanwhile. */
    insertHostWithToken(h: Host, tokenId: string, now: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const spent = await trx.updateTable("enrollment_tokens")
          .set({ used_at: now, used_by_host: h.id })
          .where("id", "=", tokenId).where("used_at", "is", null).where("revoked_at", "is", null)
          .where("expires_at", ">", now).executeTakeFirst();
        if (Number(spent.numUpdatedRows) !== 1) return false;
        await trx.insertInto("hosts").values(toRow(h)).execute();
        return true;
      });
    },
    /** Approves a pending host by spending a token, both or neither. */
    approveWithToken(
      hostId: string,
      tokenId: string,
      change: { name: string; tags: string[]; lockIp: string | null; by: string; now: number },
    ): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const spent = await trx.updateTable("enrollment_tokens")
          .set({ used_at: change.now, used_by_host: hostId })
          .where("id", "=", tokenId).where("used_at", "is", null).where("revoked_at", "is", null)
          .where("expires_at", ">", change.now).executeTakeFirst();
        if (Number(spent.numUpdatedRows) !== 1) return false;
        const moved = await trx.updateTable("hosts").set({
          state: "approved",
          name: change.name,
          tags: JSON.stringify(change.tags),
          lock_ip: change.lockIp,
          decided_at: change.now,
          decided_by: change.by,
          updated_at: change.now,
        }).where("id", "=", hostId).where("state", "=", "pending").executeTakeFirst();
        if (Number(moved.numUpdatedRows) !== 1) throw new TokenRaceError();
        return true;
      }).catch((err) => {
        if (err instanceof TokenRaceError) return false;
        throw err;
      });
    },
    async findHostById(id: string): Promise<HostWithContact | undefined> {
      const row = await withContact().where("hosts.id", "=", id).executeTakeFirst();
      return row && { ...toHost(row), contact: toContact(row) };
    },
    async findHostByKey(publicKey: string): Promise<Host | undefined> {
      const row = await db.selectFrom("hosts").selectAll().where("public_key", "=", publicKey)
        .executeTakeFirst();
      return row && toHost(row);
    },
    async listHosts(): Promise<HostWithContact[]> {
      const rows = await withContact().orderBy("hosts.created_at", "desc").execute();
      return rows.map((row) => ({ ...toHost(row), contact: toContact(row) }));
    },
    async updateFacts(
      id: string,
      facts: Record<string, unknown>,
      protocolVersion: number,
      now: number,
    ) {
      await db.updateTable("hosts")
        .set({ facts: JSON.stringify(facts), protocol_version: protocolVersion, updated_at: now })
        .where("id", "=", id).execute();
    },
    /** Moves a host between states only from one of `from`; false when it was in another state. */
    async changeState(
      id: string,
      from: HostState[],
      change: {
        state: HostState;
        by: string;
        now: number;
        name?: string;
        tags?: string[];
        lockIp?: string | null;
      },
    ): Promise<boolean> {
      const r = await db.updateTable("hosts").set({
        state: change.state,
        decided_at: change.now,
        decided_by: change.by,
        updated_at: change.now,
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.tags !== undefined ? { tags: JSON.stringify(change.tags) } : {}),
        ...(change.lockIp !== undefined ? { lock_ip: change.lockIp } : {}),
      }).where("id", "=", id).where("state", "in", from).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async updateHost(
      id: string,
      u: { name?: string; tags?: string[]; lockIp?: string | null; now: number },
    ) {
      await db.updateTable("hosts").set({
        updated_at: u.now,
        ...(u.name !== undefined ? { name: u.name } : {}),
        ...(u.tags !== undefined ? { tags: JSON.stringify(u.tags) } : {}),
        ...(u.lockIp !== undefined ? { lock_ip: u.lockIp } : {}),
      }).where("id", "=", id).execute();
    },
    /** Sets the "always online" flag; false when no such host. */
    async setAlwaysOnline(id: string, on: boolean, now: number): Promise<boolean> {
      const r = await db.updateTable("hosts").set({ always_online: on ? 1 : 0, updated_at: now })
        .where("id", "=", id).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async countByState(): Promise<Record<HostState, number>> {
      const rows = await db.selectFrom("hosts").select(["state"])
        .select((eb) => eb.fn.countAll<number>().as("n")).groupBy("state").execute();
      const out: Record<HostState, number> = { pending: 0, approved: 0, rejected: 0, revoked: 0 };
      for (const r of rows) out[r.state] = Number(r.n);
      return out;
    },
    /** Writes the contact state of many hosts in one transaction (one fsync). */
    async saveContacts(entries: Array<{ hostId: string; contact: ContactPatch }>) {
      await db.transaction().execute(async (trx) => {
        for (const { hostId, contact: c } of entries) {
          const values = {
            last_seen_at: c.lastSeenAt,
            last_ip: c.lastIp,
            ...(c.clockSkewMs !== undefined ? { clock_skew_ms: c.clockSkewMs } : {}),
            ...(c.outboxDepth !== undefined ? { outbox_depth: c.outboxDepth } : {}),
            ...(c.droppedLogs !== undefined ? { dropped_logs: c.droppedLogs } : {}),
            ...(c.lastHeartbeatAt !== undefined ? { last_heartbeat_at: c.lastHeartbeatAt } : {}),
          };
          await trx.insertInto("host_contacts")
            .values({ host_id: hostId, outbox_depth: 0, dropped_logs: 0, ...values })
            .onConflict((oc) => oc.column("host_id").doUpdateSet(values)).execute();
        }
      });
    },
    async insertToken(t: EnrollmentToken & { tokenHash: string }) {
      await db.insertInto("enrollment_tokens").values({
        id: t.id,
        token_hash: t.tokenHash,
        name: t.name,
        tags: JSON.stringify(t.tags),
        lock_ip: t.lockIp,
        created_by: t.createdBy,
        created_at: t.createdAt,
        expires_at: t.expiresAt,
        used_at: null,
        used_by_host: null,
        revoked_at: null,
      }).execute();
    },
    async findTokenByHash(hash: string): Promise<EnrollmentToken | undefined> {
      const row = await db.selectFrom("enrollment_tokens").selectAll().where(
        "token_hash",
        "=",
        hash,
      )
        .executeTakeFirst();
      return row && toToken(row);
    },
    async listTokens(since: number): Promise<EnrollmentToken[]> {
      const rows = await db.selectFrom("enrollment_tokens").selectAll()
        .where("created_at", ">=", since).orderBy("created_at", "desc").limit(200).execute();
      return rows.map(toToken);
    },
    async revokeToken(id: string, now: number): Promise<boolean> {
      const r = await db.updateTable("enrollment_tokens").set({ revoked_at: now })
        .where("id", "=", id).where("used_at", "is", null).where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}

class TokenRaceError extends Error {}

export type HostsRepo = ReturnType<typeof createHostsRepo>;
