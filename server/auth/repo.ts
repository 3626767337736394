import type { Db } from "../db/connect.ts";
import type { Role } from "../db/schema.ts";

export interface SessionRow {
  id: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  username: string;
  role: Role;
  disabled: boolean;
}

export interface Failure {
  failures: number;
  firstAt: number;
  lockedUntil: number | null;
}

export function createAuthRepo(db: Db) {
  return {
    async insertSession(s: {
      id: string;
      userId: string;
      csrfToken: string;
      now: number;
      expiresAt: number;
      ip: string;
      userAgent: string;
    }) {
      await db.insertInto("sessions").values({
        id: s.id,
        user_id: s.userId,
        csrf_token: s.csrfToken,
        created_at: s.now,
        last_seen_at: s.now,
        expires_at: s.expiresAt,
        ip: s.ip,
        user_agent: s.userAgent,
      }).execute();
    },
    async findSession(id: string): Promise<SessionRow | undefined> {
      const row = await db.selectFrom("sessions").innerJoin("users", "users.id", "sessions.user_id")
        .select([
          "sessions.id",
          "sessions.user_id",
          "sessions.csrf_token",
          "sessions.created_at",
          "sessions.last_seen_at",
          "sessions.expires_at",
          "users.username",
          "users.role",
          "users.disabled",
        ])
        .where("sessions.id", "=", id).executeTakeFirst();
      return row && {
        id: row.id,
        userId: row.user_id,
        csrfToken: row.csrf_token,
        createdAt: row.created_at,
        lastSeenAt: row.last_seen_at,
        expiresAt: row.expires_at,
        username: row.username,
        role: row.role,
        disabled: row.disabled === 1,
      };
    },
    async touchSession(id: string, now: number) {
      await db.updateTable("sessions").set({ last_seen_at: now }).where("id", "=", id).execute();
    },
    async deleteSession(id: string) {
      await db.deleteFrom("sessions").where("id", "=", id).execute();
    },
    async deleteSessionsOfUser(userId: string, exceptId?: string) {
      let q = db.deleteFrom("sessions").where("user_id", "=", userId);
      if (exceptId) q = q.where("id", "!=", exceptId);
      await q.execute();
    },
    async deleteExpiredSessions(idleBefore: number, now: number) {
      await db.deleteFrom("sessions").where((eb) =>
        eb.or([eb("last_seen_at", "<", idleBefore), eb("expires_at", "<", now)])
      ).execute();
    },
    async findFailure(key: string): Promise<Failure | undefined> {
      const row = await db.selectFrom("auth_failures").selectAll().where("key", "=", key)
        .executeTakeFirst();
      return row &&
        { failures: row.failures, firstAt: row.first_at, lockedUntil: row.locked_until };
    },
    async saveFailure(key: string, f: Failure) {
      await db.insertInto("auth_failures")
        .values({ key, failures: f.failures, first_at: f.firstAt, locked_until: f.lockedUntil })
        .onConflict((oc) =>
          oc.column("key").doUpdateSet({
            failures: f.failures,
            first_at: f.firstAt,
            locked_until: f.lockedUntil,
          })
        )
        .execute();
    },
    async clearFailure(key: string) {
      await db.deleteFrom("auth_failures").where("key", "=", key).execute();
    },
  };
}

export type AuthRepo = ReturnType<typeof createAuthRepo>;
