import { sql } from "kysely";
import type { Db } from "../db/connect.ts";

export interface AuditEntry {
  id: string;
  at: number;
  actorType: string;
  actorId: string | null;
  actorName: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  from?: number;
  to?: number;
  before?: string;
  limit: number;
}

export function createAuditRepo(db: Db) {
  return {
    async insertAuditEntry(e: AuditEntry) {
      await db.insertInto("audit_log").values({
        id: e.id,
        at: e.at,
        actor_type: e.actorType,
        actor_id: e.actorId,
        actor_name: e.actorName,
        action: e.action,
        target_type: e.targetType,
        target_id: e.targetId,
        ip: e.ip,
        details: JSON.stringify(e.details),
      }).execute();
    },
    async listAuditEntries(f: AuditFilter): Promise<AuditEntry[]> {
      let q = db.selectFrom("audit_log").selectAll();
      if (f.actor) q = q.where("actor_name", "=", f.actor);
      if (f.action) {
        const prefix = `${f.action.replace(/[%_\\]/g, "\\$&")}%`;
        q = q.where(sql<boolean>`action LIKE ${prefix} ESCAPE '\\'`);
      }
      if (f.target) q = q.where("target_id", "=", f.target);
      if (f.from !== undefined) q = q.where("at", ">=", f.from);
      if (f.to !== undefined) q = q.where("at", "<", f.to);
      if (f.before) q = q.where("id", "<", f.before);
      const rows = await q.orderBy("id", "desc").limit(f.limit).execute();
      return rows.map((r) => ({
        id: r.id,
        at: r.at,
        actorType: r.actor_type,
        actorId: r.actor_id,
        actorName: r.actor_name,
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        ip: r.ip,
        details: JSON.parse(r.details),
      }));
    },
    async countSince(at: number): Promise<number> {
      const row = await db.selectFrom("audit_log").select((eb) => eb.fn.countAll<number>().as("n"))
        .where("at", ">=", at).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type AuditRepo = ReturnType<typeof createAuditRepo>;
