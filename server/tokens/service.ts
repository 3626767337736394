/**
 * API tokens for scripts and Prometheus: role-scoped, shown once, stored as a SHA-256 hash (a
 * token is 32 random bytes, so a fast hash is enough), revocable, with a last-used time that is
 * written at most once a minute to keep reads read-only.
 */
import type { Actor, AuditService } from "../audit/service.ts";
import type { Principal } from "../auth/principal.ts";
import type { Clock } from "../clock.ts";
import type { Role } from "../db/schema.ts";
import { ForbiddenError, NotFoundError } from "../errors.ts";
import { newId, randomToken, sha256Hex } from "../ids.ts";
import type { ApiToken, TokensRepo } from "./repo.ts";

export const TOKEN_PREFIX = "cairn_";
const TOUCH_EVERY_MS = 60_000;

export function createTokensService(
  deps: { repo: TokensRepo; audit: AuditService; clock: Clock },
) {
  return {
    list: (): Promise<ApiToken[]> => deps.repo.listTokens(),

    async create(
      actor: Actor & { userId: string; role: Role },
      input: { name: string; role: Role },
    ) {
      if (input.role === "admin" && actor.role !== "admin") {
        throw new ForbiddenError("Only an admin can mint an admin token");
      }
      const now = deps.clock.now();
      const secret = TOKEN_PREFIX + randomToken(32);
      const token: ApiToken = {
        id: newId("tok", now),
        name: input.name,
        prefix: secret.slice(0, TOKEN_PREFIX.length + 6),
        role: input.role,
        createdBy: actor.userId,
        createdAt: now,
        lastUsedAt: null,
        revokedAt: null,
      };
      await deps.repo.insertToken({ ...token, tokenHash: sha256Hex(secret) });
      await deps.audit.record(actor, {
        action: "token.create",
        target: { type: "token", id: token.id },
        details: { name: input.name, role: input.role },
      });
      return { token, secret };
    },

    async revoke(actor: Actor, id: string) {
      const token = await deps.repo.findToken(id);
      if (!token) throw new NotFoundError("API token", id);
      await deps.repo.revokeToken(id, deps.clock.now());
      await deps.audit.record(actor, { action: "token.revoke", target: { type: "token", id } });
    },

    /** The principal for an `Authorization: Bearer` value, or null when it is not a live token. */
    async resolveBearer(secret: string): Promise<Principal | null> {
      if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return null;
      const token = await deps.repo.findTokenByHash(sha256Hex(secret));
      if (!token || token.revokedAt !== null) return null;
      const now = deps.clock.now();
      if (token.lastUsedAt === null || now - token.lastUsedAt > TOUCH_EVERY_MS) {
        await deps.repo.markTokenUsed(token.id, now);
      }
      return {
        kind: "token",
        id: token.id,
        name: `token:${token.name}`,
        role: token.role,
        userId: token.createdBy,
      };
    },
  };
}

export type TokensService = ReturnType<typeof createTokensService>;
