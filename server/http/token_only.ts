/**
 * The caller of a token-only route (`credentials: "token"`): the API token in the Authorization
 * header, whatever cookie comes with it. Without a valid token the answer is 401 with a
 * `www-authenticate: Bearer` challenge, so a scraper's operator sees what it needs.
 */
import type { Context } from "hono";
import type { Principal } from "../auth/principal.ts";
import { UnauthenticatedError } from "../errors.ts";

export interface BearerResolver {
  resolveBearer(secret: string): Promise<Principal | null>;
}

/** The token secret in an `Authorization: Bearer …` header, or null. */
export function bearerSecret(authorization: string | undefined): string | null {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1] ?? null;
}

export async function tokenPrincipal(
  c: Context,
  tokens: BearerResolver,
  resolved: Principal | null,
): Promise<Principal> {
  if (resolved?.kind === "token") return resolved;
  const secret = bearerSecret(c.req.header("authorization"));
  const principal = secret ? await tokens.resolveBearer(secret) : null;
  if (principal?.kind === "token") return principal;
  c.header("www-authenticate", 'Bearer realm="cairn"');
  throw new UnauthenticatedError("This needs an API token: Authorization: Bearer <token>");
}
