import type { Actor } from "../audit/service.ts";
import type { Role } from "../db/schema.ts";

/** Who is calling: a signed-in user (cookie session) or an API token. */
export interface Principal {
  kind: "session" | "token";
  /** user id for sessions, token id for tokens */
  id: string;
  name: string;
  role: Role;
  userId: string;
  sessionId?: string;
  csrfToken?: string;
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleAllows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

export function actorOf(p: Principal | null, ip: string): Actor {
  if (!p) return { type: "user", id: null, name: "anonymous", ip };
  return { type: p.kind === "token" ? "token" : "user", id: p.id, name: p.name, ip };
}
