/**
 * The audit log: who did what to which target, when and from where. Details pass through the
 * redactor, so a secret handed in by mistake is stored as "[redacted]", never as its value.
 */
import type { Clock } from "../clock.ts";
import { newId } from "../ids.ts";
import type { Redactor } from "../secrets/redact.ts";
import type { AuditEntry, AuditFilter, AuditRepo } from "./repo.ts";

export interface Actor {
  type: "user" | "token" | "system" | "agent";
  id: string | null;
  name: string;
  ip: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: "system", id: null, name: "system", ip: null };

export interface AuditRecord {
  action: string;
  target?: { type: string; id: string };
  details?: Record<string, unknown>;
}

export function createAuditService(deps: { repo: AuditRepo; clock: Clock; redactor: Redactor }) {
  return {
    async record(actor: Actor, rec: AuditRecord): Promise<void> {
      const now = deps.clock.now();
      await deps.repo.insertAuditEntry({
        id: newId("aud", now),
        at: now,
        actorType: actor.type,
        actorId: actor.id,
        actorName: actor.name,
        action: rec.action,
        targetType: rec.target?.type ?? null,
        targetId: rec.target?.id ?? null,
        ip: actor.ip,
        details: deps.redactor.redact(rec.details ?? {}),
      });
    },
    list(filter: AuditFilter): Promise<AuditEntry[]> {
      return deps.repo.listAuditEntries(filter);
    },
    countSince: (at: number) => deps.repo.countSince(at),
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
