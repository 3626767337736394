/**
 * createApp(deps) composes the HTTP surface: request ids, security headers, the access log,
 * authentication, the route table, the PWA's files, and the one error shape. No I/O happens at
 * import time; everything it touches comes in through deps.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import { agentRoutes } from "./agent_channel/routes.ts";
import { alertsRoutes } from "./alerts/routes.ts";
import { auditRoutes } from "./audit/routes.ts";
import type { Principal } from "./auth/principal.ts";
import { roleAllows } from "./auth/principal.ts";
import { authRoutes, SESSION_COOKIE } from "./auth/routes.ts";
import type { Config } from "./config.ts";
import type { HealthView } from "./contract/api.ts";
import { dashboardRoutes } from "./dashboard/routes.ts";
import { downloadsRoutes } from "./downloads/routes.ts";
import { AppError, errorBody, ForbiddenError, UnauthenticatedError } from "./errors.ts";
import { readJsonBody } from "./http/body.ts";
import { clientIp, isTrustedPeer } from "./http/client_ip.ts";
import { Reply, route } from "./http/route.ts";
import type { Route } from "./http/route.ts";
import { hostsRoutes } from "./hosts/routes.ts";
import { indexAgentRoutes, indexRoutes } from "./index_api/routes.ts";
import { createStaticFiles } from "./http/static.ts";
import { installRoutes } from "./install/routes.ts";
import { plansRoutes } from "./plans/routes.ts";
import { repositoriesRoutes } from "./repositories/routes.ts";
import { schedulesRoutes, withSchedulePush } from "./schedules/routes.ts";
import { jobsRoutes } from "./jobs/routes.ts";
import { metricsRoutes } from "./metrics/routes.ts";
import { parseOrThrow } from "./validation.ts";
import { notifyRoutes } from "./notify/routes.ts";
import type { Logger } from "./log.ts";
import type { Services } from "./services.ts";
import type { TlsFacts } from "./settings/service.ts";
import { settingsRoutes } from "./settings/routes.ts";
import { sshKeysRoutes } from "./ssh_keys/routes.ts";
import { snapshotsRoutes } from "./snapshots/routes.ts";
import { restoresRoutes } from "./restores/routes.ts";
import { drillsRoutes } from "./drills/routes.ts";
import { drillSchedulesRoutes } from "./drills/schedule_routes.ts";
import { tokensRoutes } from "./tokens/routes.ts";
import { replicationRoutes } from "./replication/routes.ts";
import type { ReplicationService } from "./replication/service.ts";
import { usersRoutes } from "./users/routes.ts";
import { bearerSecret, tokenPrincipal } from "./http/token_only.ts";

export interface AppDeps {
  config:
    & Pick<Config, "trustedProxies" | "tls" | "maxBodyBytes" | "pwaDir">
    & Partial<Pick<Config, "baseUrl">>;
  log: Logger;
  services: Services;
  version: string;
  role(): "primary" | "standby";
  /** Standby replication; in-process tests may leave it out (the appliance is then a primary). */
  replication?: ReplicationService;
  tls: TlsFacts;
  /** The direct peer's address, from the runtime's connection info. */
  peer(c: Context): string;
}

type Env = { Variables: { requestId: string; principal: Principal | null; ip: string } };

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
};

const REQUEST_ID = /^[A-Za-z0-9_.-]{8,64}$/;
const WRITE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const STANDBY_WRITES = /^\/api\/(replication\/|auth\/login$|auth\/logout$)/;
/** Reads that start work on a host (a dump job): a standby's agents are with the primary. */
const STANDBY_WORK_READS = /^\/api\/(downloads|preview)$/;

/** Every route of the appliance, in one table for the app, the role matrix and the fuzz test. */
export function appRoutes(deps: AppDeps, isSecure: (c: Context) => boolean): Route[] {
  const s = deps.services;
  // Writes to plans, repositories, SSH keys and hosts may change what hosts must run.
  return withSchedulePush(allRoutes(deps, isSecure), () => s.schedulePush);
}

function allRoutes(deps: AppDeps, isSecure: (c: Context) => boolean): Route[] {
  const s = deps.services;
  return [
    route({
      method: "GET",
      path: "/healthz",
      access: "public",
      handle: (): HealthView => ({ status: "ok", role: deps.role(), version: deps.version }),
    }),
    ...authRoutes({ auth: s.auth, users: s.users, isSecure }),
    ...usersRoutes(s.users),
    ...tokensRoutes(s.tokens),
    ...auditRoutes(s.audit),
    ...settingsRoutes({ settings: s.settings, tls: deps.tls }),
    ...dashboardRoutes(s.dashboard),
    ...agentRoutes({
      enrollment: s.enrollment,
      channel: s.agentChannel,
      peers: deps.replication?.agentPeers,
      durable: deps.replication?.waitForStandby,
    }),
    ...indexAgentRoutes(s.index),
    ...hostsRoutes({
      hosts: s.hosts,
      channel: s.agentChannel,
      baseUrl: deps.config.baseUrl ?? null,
    }),
    ...installRoutes(s.install),
    ...sshKeysRoutes(s.sshKeys),
    ...repositoriesRoutes(s.repositories),
    ...plansRoutes(s.plans),
    ...jobsRoutes(s.jobs),
    ...indexRoutes(s.index),
    ...downloadsRoutes(s.downloads),
    ...snapshotsRoutes(s.snapshots),
    ...restoresRoutes(s.restores),
    ...drillsRoutes(s.drills),
    ...drillSchedulesRoutes(s.drillSchedules),
    ...(deps.replication ? replicationRoutes(deps.replication) : []),
    ...schedulesRoutes(s.schedules),
    ...notifyRoutes({ notify: s.notify, push: s.push }),
    ...alertsRoutes(s.alerts),
    ...metricsRoutes({ metrics: s.metrics }),
  ];
}

export function createApp(deps: AppDeps) {
  const app = new Hono<Env>();
  const { log, services } = deps;
  const staticFiles = createStaticFiles(deps.config.pwaDir);
  const trusted = deps.config.trustedProxies;

  const isSecure = (c: Context) => {
    if (deps.config.tls === "on") return true;
    const proto = c.req.header("x-forwarded-proto");
    return proto === "https" && isTrustedPeer(deps.peer(c), trusted);
  };

  app.use("*", async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("ip", clientIp(deps.peer(c), c.req.header("x-forwarded-for"), trusted));
    c.set("principal", null);
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
    c.res.headers.set("x-request-id", requestId);
    // The path only: a query string may carry a token, and the log never does.
    log.info("request", {
      requestId,
      method: c.req.method,
      path: c.req.path.slice(0, 200),
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      ip: c.get("ip"),
    });
  });

  // A standby answers every write with one 409 naming the primary (agents then try the other
  // address); signing in and out stay open so its UI can be read, and replication has its own.
  app.use("/api/*", (c, next) => {
    if (
      WRITE.has(c.req.method)
        ? !STANDBY_WRITES.test(c.req.path)
        : STANDBY_WORK_READS.test(c.req.path)
    ) {
      deps.replication?.assertWritable();
    }
    return next();
  });

  app.use("/api/*", async (c, next) => {
    if (c.req.path.startsWith("/api/agent/")) return next();
    const auth = c.req.header("authorization");
    let principal: Principal | null = null;
    if (auth !== undefined) {
      const secret = bearerSecret(auth);
      principal = secret ? await services.tokens.resolveBearer(secret) : null;
      if (!principal) throw new UnauthenticatedError("The API token is not valid or was revoked");
    } else {
      const cookie = getCookie(c, SESSION_COOKIE);
      if (cookie) principal = await services.auth.resolveSession(cookie);
    }
    c.set("principal", principal);
    if (WRITE.has(c.req.method)) {
      const origin = c.req.header("origin");
      const host = c.req.header("host");
      if (origin && host && origin !== "null" && new URL(origin).host !== host) {
        throw new AppError(403, "csrf", "Cross-site request refused");
      }
      if (principal?.kind === "session" && c.req.header("x-csrf-token") !== principal.csrfToken) {
        throw new AppError(403, "csrf", "Missing or wrong X-CSRF-Token header; reload the page");
      }
    }
    return next();
  });

  for (const r of appRoutes(deps, isSecure)) {
    app.on(r.method, r.path, async (c) => {
      const principal = r.credentials === "token"
        ? await tokenPrincipal(c, services.tokens, c.get("principal"))
        : c.get("principal");
      const agent = r.access === "agent"
        ? await services.agentChannel.sessions.resolve(c.req.header("authorization"), c.get("ip"))
        : null;
      if (r.access !== "public" && r.access !== "agent") {
        if (!principal) throw new UnauthenticatedError();
        if (!roleAllows(principal.role, r.access)) {
          throw new ForbiddenError(`This needs the ${r.access} role`);
        }
      }
      const query = r.query ? parseOrThrow(r.query, c.req.query(), "query") : undefined;
      const body = r.body
        ? parseOrThrow(
          r.body,
          await readJsonBody(c, r.bodyLimit ?? deps.config.maxBodyBytes),
          "body",
        )
        : undefined;
      const out = await r.handle({
        body,
        query,
        param: (name: string) => c.req.param(name) ?? "",
        principal,
        agent,
        ip: c.get("ip"),
        requestId: c.get("requestId"),
        c,
      });
      if (out instanceof Response) return out;
      if (out instanceof Reply) {
        for (const [k, v] of Object.entries(out.headers)) c.header(k, v);
        return out.status === 204 ? c.body(null, 204) : c.json(out.body, out.status);
      }
      return out === undefined ? c.body(null, 204) : c.json(out);
    });
  }

  app.notFound(async (c) => {
    const path = c.req.path;
    if (
      (c.req.method === "GET" || c.req.method === "HEAD") && !path.startsWith("/api/") &&
      path !== "/healthz"
    ) {
      const res = await staticFiles.serve(path, c.req.raw);
      if (res) return res;
    }
    return c.json(errorBody("not_found", "No such route"), 404);
  });

  app.onError((err, c) => {
    const requestId = c.get("requestId") ?? "";
    if (err instanceof AppError) {
      if (
        (err.status === 429 || err.status === 503) && err.details &&
        typeof err.details === "object" &&
        "retryAfterSeconds" in err.details
      ) {
        c.header(
          "retry-after",
          String((err.details as { retryAfterSeconds: number }).retryAfterSeconds),
        );
      }
      return c.json(errorBody(err.code, err.message, err.details), err.status);
    }
    if (err instanceof HTTPException && err.status < 500) {
      return c.json(errorBody("bad_request", "The request could not be read"), err.status);
    }
    log.error("unhandled error", { requestId, method: c.req.method, path: c.req.path, error: err });
    return c.json(
      errorBody("internal", "Internal error; the request id is in the log", { requestId }),
      500,
    );
  });

  return app;
}
