import type { Db } from "../db/connect.ts";
import type { ApiTokensTable, Role } from "../db/schema.ts";

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  createdBy: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

function toToken(r: ApiTokensTable): ApiToken {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    role: r.role,
    createdBy: r.created_by,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

export function createTokensRepo(db: Db) {
  return {
    async insertToken(t: ApiToken & { tokenHash: string }) {
      await db.insertInto("api_tokens").values({
        id: t.id,
        name: t.name,
        token_hash: t.tokenHash,
        prefix: t.prefix,
        role: t.role,
        created_by: t.createdBy,
        created_at: t.createdAt,
        last_used_at: null,
        revoked_at: null,
      }).execute();
    },
    async findTokenByHash(hash: string): Promise<ApiToken | undefined> {
      const r = await db.selectFrom("api_tokens").selectAll().where("token_hash", "=", hash)
        .executeTakeFirst();
      return r && toToken(r);
    },
    async findToken(id: string): Promise<ApiToken | undefined> {
      const r = await db.selectFrom("api_tokens").selectAll().where("id", "=", id)
        .executeTakeFirst();
      return r && toToken(r);
    },
    async listTokens(): Promise<ApiToken[]> {
      const rows = await db.selectFrom("api_tokens").selectAll().orderBy("created_at", "desc")
        .execute();
      return rows.map(toToken);
    },
    async markTokenUsed(id: string, now: number) {
      await db.updateTable("api_tokens").set({ last_used_at: now }).where("id", "=", id).execute();
    },
    async revokeToken(id: string, now: number) {
      await db.updateTable("api_tokens").set({ revoked_at: now }).where("id", "=", id).where(
        "revoked_at",
        "is",
        null,
      ).execute();
    },
  };
}

export type TokensRepo = ReturnType<typeof createTokensRepo>;
