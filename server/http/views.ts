/** Maps domain objects to their wire views (ISO times, no hashes). */
import type { AuditEntryView, TokenView, UserView } from "../contract/api.ts";
import type { User } from "../users/repo.ts";
import type { ApiToken } from "../tokens/repo.ts";
import type { AuditEntry } from "../audit/repo.ts";

export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function userView(u: User): UserView {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    disabled: u.disabled,
    createdAt: iso(u.createdAt),
    lastLoginAt: isoOrNull(u.lastLoginAt),
  };
}

export function tokenView(t: ApiToken): TokenView {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    role: t.role,
    createdAt: iso(t.createdAt),
    lastUsedAt: isoOrNull(t.lastUsedAt),
    revokedAt: isoOrNull(t.revokedAt),
  };
}

export function auditView(e: AuditEntry): AuditEntryView {
  return {
    id: e.id,
    at: iso(e.at),
    actor: { type: e.actorType, id: e.actorId, name: e.actorName },
    action: e.action,
    target: e.targetType && e.targetId ? { type: e.targetType, id: e.targetId } : null,
    ip: e.ip,
    details: e.details,
  };
}
