/**
 * Routes are data: method, path, who may call it, the schemas of body and query, and a handler.
 * The app registers them through one wrapper that authenticates, checks the role and CSRF, and
 * validates input, so no route can forget; the role-matrix and fuzz tests walk the same table.
 */
import type { Context } from "hono";
import type * as v from "valibot";
import type { AgentPrincipal } from "../agent_channel/sessions.ts";
import type { Principal } from "../auth/principal.ts";
import type { Role } from "../db/schema.ts";

/** "agent" routes are for enrolled agents with a session from /api/agent/v1/session. */
export type Access = "public" | Role | "agent";
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteInput<B, Q> {
  body: B;
  query: Q;
  param(name: string): string;
  principal: Principal | null;
  agent: AgentPrincipal | null;
  ip: string;
  requestId: string;
  c: Context;
}

// deno-lint-ignore no-explicit-any
type AnySchema = v.GenericSchema<any, any>;

export interface Route {
  method: Method;
  path: string;
  access: Access;
  /**
   * "token": only an API token (Authorization: Bearer) is accepted, never a browser session; a
   * caller without one gets 401 with `www-authenticate: Bearer` (a scraper such as Prometheus).
   */
  credentials?: "token";
  /** Under "public", writes still get CSRF protection when a session cookie is present. */
  body?: AnySchema;
  query?: AnySchema;
  /** A body limit below or above the appliance's default, in bytes. */
  bodyLimit?: number;
  // deno-lint-ignore no-explicit-any
  handle(input: RouteInput<any, any>): Promise<unknown> | unknown;
}

type Out<S> = S extends v.GenericSchema<unknown, infer O> ? O : undefined;

/** Declares a route with its handler typed by its schemas. */
export function route<
  BS extends AnySchema | undefined = undefined,
  QS extends AnySchema | undefined = undefined,
>(def: {
  method: Method;
  path: string;
  access: Access;
  credentials?: "token";
  body?: BS;
  query?: QS;
  bodyLimit?: number;
  handle(input: RouteInput<Out<BS>, Out<QS>>): Promise<unknown> | unknown;
}): Route {
  return def as Route;
}

/** A reply with a status other than 200. */
export class Reply {
  constructor(
    readonly status: 200 | 201 | 202 | 204,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}
