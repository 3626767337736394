import type { Db } from "../db/connect.ts";
import type { HostState } from "../db/schema_agents.ts";

export interface AgentSessionRow {
  hostId: string;
  expiresAt: number;
  state: HostState;
  lockIp: string | null;
  publicKey: string;
}

export interface QueuedCommand {
  id: string;
  hostId: string;
  kind: string;
  jobId: string | null;
  args: Record<string, unknown>;
  createdBy: string;
  createdAt: number;
  deliveredAt: number | null;
  deliveries: number;
  ackedAt: number | null;
}

export interface ReportGroup {
  hostId: string;
  reports: StoredReport[];
  commandAcks: string[];
  facts: Record<string, unknown> | null;
  now: number;
  /** Runs the agent fired from its schedule, made job rows before the reports go in. */
  adopt?: AdoptedJob[];
}

/** A job row made from a `job.scheduled` report (server/schedules/adopt.ts decides). */
export interface AdoptedJob {
  id: string;
  hostId: string;
  repositoryId: string;
  planId: string;
  kind: string;
  exclusive: boolean;
  options: Record<string, unknown>;
  scheduleId: string;
  scheduledFor: number;
  firedAt: number;
  receivedAt: number;
}

export interface StoredReport {
  id: string;
  hostId: string;
  jobId: string | null;
  kind: string;
  seq: number;
  at: number;
  body: Record<string, unknown>;
  receivedAt: number;
}

function toCommand(r: {
  id: string;
  host_id: string;
  kind: string;
  job_id: string | null;
  args: string;
  created_by: string;
  created_at: number;
  delivered_at: number | null;
  deliveries: number;
  acked_at: number | null;
}): QueuedCommand {
  return {
    id: r.id,
    hostId: r.host_id,
    kind: r.kind,
    jobId: r.job_id,
    args: JSON.parse(r.args),
    createdBy: r.created_by,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    deliveries: r.deliveries,
    ackedAt: r.acked_at,
  };
}

export function createAgentChannelRepo(db: Db) {
  return {
    async insertChallenge(
      c: { nonce: string; publicKey: string; ip: string; now: number; expiresAt: number },
    ) {
      await db.insertInto("agent_challenges").values({
        nonce: c.nonce,
        public_key: c.publicKey,
        ip: c.ip,
        created_at: c.now,
        expires_at: c.expiresAt,
      }).execute();
    },
    async countOpenChallenges(publicKey: string, now: number): Promise<number> {
      const r = await db.selectFrom("agent_challenges")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("public_key", "=", publicKey).where("expires_at", ">", now).executeTakeFirst();
      return Number(r?.n ?? 0);
    },
    /** Removes the challenge whatever happens next, so a nonce is answered at most once. */
    async takeChallenge(
      nonce: string,
    ): Promise<{ publicKey: string; expiresAt: number } | undefined> {
      const row = await db.deleteFrom("agent_challenges").where("nonce", "=", nonce)
        .returning(["public_key", "expires_at"]).executeTakeFirst();
      return row && { publicKey: row.public_key, expiresAt: row.expires_at };
    },
    async insertSession(
      s: { id: string; hostId: string; ip: string; now: number; expiresAt: number },
    ) {
      await db.insertInto("agent_sessions").values({
        id: s.id,
        host_id: s.hostId,
        ip: s.ip,
        created_at: s.now,
        expires_at: s.expiresAt,
      }).execute();
    },
    async findSession(id: string): Promise<AgentSessionRow | undefined> {
      const row = await db.selectFrom("agent_sessions")
        .innerJoin("hosts", "hosts.id", "agent_sessions.host_id")
        .select([
          "agent_sessions.host_id",
          "agent_sessions.expires_at",
          "hosts.state",
          "hosts.lock_ip",
          "hosts.public_key",
        ])
        .where("agent_sessions.id", "=", id).executeTakeFirst();
      return row && {
        hostId: row.host_id,
        expiresAt: row.expires_at,
        state: row.state,
        lockIp: row.lock_ip,
        publicKey: row.public_key,
      };
    },
    async deleteSessionsOfHost(hostId: string) {
      await db.deleteFrom("agent_sessions").where("host_id", "=", hostId).execute();
    },
    async pruneExpired(now: number) {
      await db.deleteFrom("agent_sessions").where("expires_at", "<=", now).execute();
      await db.deleteFrom("agent_challenges").where("expires_at", "<=", now).execute();
    },
    async insertCommand(c: QueuedCommand) {
      await db.insertInto("agent_commands").values({
        id: c.id,
        host_id: c.hostId,
        kind: c.kind,
        job_id: c.jobId,
        args: JSON.stringify(c.args),
        created_by: c.createdBy,
        created_at: c.createdAt,
        delivered_at: null,
        deliveries: 0,
        acked_at: null,
      }).execute();
    },
    /** Unacknowledged commands never delivered, or delivered before `redeliverBefore`. */
    async dueCommands(
      hostId: string,
      redeliverBefore: number,
      limit: number,
    ): Promise<QueuedCommand[]> {
      const rows = await db.selectFrom("agent_commands").selectAll()
        .where("host_id", "=", hostId).where("acked_at", "is", null)
        .where((eb) =>
          eb.or([eb("delivered_at", "is", null), eb("delivered_at", "<", redeliverBefore)])
        )
        .orderBy("id").limit(limit).execute();
      return rows.map(toCommand);
    },
    async markDelivered(ids: string[], now: number) {
      if (ids.length === 0) return;
      await db.updateTable("agent_commands")
        .set((eb) => ({ delivered_at: now, deliveries: eb("deliveries", "+", 1) }))
        .where("id", "in", ids).execute();
    },
    async findCommand(id: string): Promise<QueuedCommand | undefined> {
      const row = await db.selectFrom("agent_commands").selectAll().where("id", "=", id)
        .executeTakeFirst();
      return row && toCommand(row);
    },
    /**
     * The job ids among `jobIds` that a command of this host names, or that this host fired
     * from its schedule (adopted earlier).
     */
    async knownJobIds(hostId: string, jobIds: string[]): Promise<Set<string>> {
      if (jobIds.length === 0) return new Set();
      const rows = await db.selectFrom("agent_commands").select("job_id").distinct()
        .where("host_id", "=", hostId).where("job_id", "in", jobIds).execute();
      const fired = await db.selectFrom("jobs").select("id").where("host_id", "=", hostId)
        .where("trigger", "=", "schedule").where("id", "in", jobIds).execute();
      return new Set([...rows.map((r) => r.job_id!), ...fired.map((r) => r.id)]);
    },
    /**
     * Stores the report batches of several hosts and applies their side effects in one
     * transaction (one fsync). For each batch, returns the ids another host already holds
     * (refused) and how many rows were new; every other id is committed when this resolves.
     */
    commitReportGroups(
      groups: ReportGroup[],
    ): Promise<Array<{ foreign: Set<string>; inserted: number }>> {
      return db.transaction().execute(async (trx) => {
        const out: Array<{ foreign: Set<string>; inserted: number }> = [];
        for (const g of groups) {
          for (const j of g.adopt ?? []) {
            await trx.insertInto("jobs").values({
              id: j.id,
              host_id: j.hostId,
              repository_id: j.repositoryId,
              plan_id: j.planId,
              kind: j.kind,
              exclusive: j.exclusive ? 1 : 0,
              status: "sent",
              options: JSON.stringify(j.options),
              trigger: "schedule",
              created_by: "schedule",
              created_at: j.firedAt,
              sent_at: j.firedAt,
              log_lines: 0,
              schedule_id: j.scheduleId,
              scheduled_for: j.scheduledFor,
            }).onConflict((oc) => oc.column("id").doNothing()).execute();
          }
          const r = await trx.insertInto("agent_reports").values(g.reports.map((x) => ({
            id: x.id,
            host_id: x.hostId,
            job_id: x.jobId,
            kind: x.kind,
            seq: x.seq,
            at: x.at,
            body: JSON.stringify(x.body),
            received_at: x.receivedAt,
          }))).onConflict((oc) => oc.column("id").doNothing()).executeTakeFirst();
          const inserted = Number(r.numInsertedOrUpdatedRows ?? 0);
          let foreign = new Set<string>();
          if (inserted < g.reports.length) {
            const rows = await trx.selectFrom("agent_reports").select("id")
              .where("id", "in", g.reports.map((x) => x.id)).where("host_id", "!=", g.hostId)
              .execute();
            foreign = new Set(rows.map((x) => x.id));
          }
          if (g.commandAcks.length > 0) {
            await trx.updateTable("agent_commands").set({ acked_at: g.now })
              .where("host_id", "=", g.hostId).where("id", "in", g.commandAcks)
              .where("acked_at", "is", null).execute();
          }
          if (g.facts) {
            await trx.updateTable("hosts").set({
              facts: JSON.stringify(g.facts),
              updated_at: g.now,
            })
              .where("id", "=", g.hostId).execute();
          }
          out.push({ foreign, inserted });
        }
        return out;
      });
    },
    async listReports(
      hostId: string,
      opts: { kind?: string; limit: number },
    ): Promise<StoredReport[]> {
      let q = db.selectFrom("agent_reports").selectAll().where("host_id", "=", hostId);
      if (opts.kind) q = q.where("kind", "=", opts.kind);
      const rows = await q.orderBy("seq", "desc").limit(opts.limit).execute();
      return rows.map((r) => ({
        id: r.id,
        hostId: r.host_id,
        jobId: r.job_id,
        kind: r.kind,
        seq: r.seq,
        at: r.at,
        body: JSON.parse(r.body),
        receivedAt: r.received_at,
      }));
    },
  };
}

export type AgentChannelRepo = ReturnType<typeof createAgentChannelRepo>;
