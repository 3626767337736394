/**
 * An appliance in-process for route and service tests: a real libSQL file in a temp dir with all
 * migrations, a clock the test can move, and a request helper that keeps the cookie jar and the
 * CSRF token like a browser would.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../server/app.ts";
import type { AppDeps } from "../../server/app.ts";
import { openDb } from "../../server/db/connect.ts";
import { defaultMigrationsDir, loadMigrations, migrate } from "../../server/db/migrate.ts";
import { createLogger } from "../../server/log.ts";
import { captureLog } from "./log_capture.ts";
import { createRedactor } from "../../server/secrets/redact.ts";
import { createServices } from "../../server/services.ts";
import type { TlsFacts } from "../../server/settings/service.ts";
import { VERSION } from "../../server/version.ts";

export interface TestClock {
  now(): number;
  advance(ms: number): void;
  set(ms: number): void;
}

export function createTestClock(start = Date.UTC(2026, 10, 1, 12, 0, 0)): TestClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (ms) => void (t = ms) };
}

export interface RequestOptions {
  body?: unknown;
  rawBody?: BodyInit;
  headers?: Record<string, string>;
  peer?: string;
  token?: string;
  /** Send no cookie and no CSRF header even if the client has them. */
  anonymous?: boolean;
}

export interface TestClient {
  cookie: string | null;
  csrf: string | null;
  request(method: string, path: string, opts?: RequestOptions): Promise<Response>;
  json<T = unknown>(
    method: string,
    path: string,
    opts?: RequestOptions,
  ): Promise<{ status: number; body: T; res: Response }>;
}

export async function createTestContext(
  opts: {
    clock?: TestClock;
    /** Overrides of the app's config, e.g. trustedProxies or tls. */
    config?: Partial<AppDeps["config"]>;
    /** TLS facts as a TLS-enabled appliance would have them. */
    tls?: TlsFacts;
  } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), "cairn-test-"));
  const dbFile = join(dir, "cairn.db");
  await migrate(dbFile, await loadMigrations(defaultMigrationsDir()));
  const { db, close } = openDb(dbFile);
  const clock = opts.clock ?? createTestClock();
  const redactor = createRedactor();
  const logLines: string[] = [];
  const log = createLogger({
    level: "debug",
    redactor,
    sink: (l) => (logLines.push(l), captureLog("inproc-server", l)),
  });
  const tls: TlsFacts = opts.tls ??
    { enabled: false, caCertPem: null, caFingerprint: null, hostnames: [] };
  const services = createServices({
    db,
    clock,
    redactor,
    config: { sessionIdleMinutes: 60, sessionAbsoluteHours: 24 },
    facts: { version: VERSION, runtime: "test", dataDir: dir, dbFile, startedAt: clock.now(), tls },
    log,
  });
  const deps: AppDeps = {
    config: {
      trustedProxies: [],
      tls: "off",
      maxBodyBytes: 64 * 1024,
      pwaDir: join(dir, "no-pwa"),
      ...opts.config,
    },
    log,
    services,
    version: VERSION,
    role: () => "primary",
    tls,
    peer: (c) => c.req.header("x-test-peer") ?? "127.0.0.1",
  };
  const app = createApp(deps);

  function client(): TestClient {
    const self: TestClient = {
      cookie: null,
      csrf: null,
      async request(method, path, o = {}) {
        const headers: Record<string, string> = { ...(o.headers ?? {}) };
        if (o.peer) headers["x-test-peer"] = o.peer;
        if (o.token) headers.authorization = `Bearer ${o.token}`;
        if (!o.anonymous && self.cookie) headers.cookie = `cairn_session=${self.cookie}`;
        if (!o.anonymous && self.csrf && method !== "GET") headers["x-csrf-token"] ??= self.csrf;
        let body: BodyInit | undefined = o.rawBody;
        if (o.body !== undefined) {
          body = JSON.stringify(o.body);
          headers["content-type"] ??= "application/json";
        }
        const res = await app.request(path, { method, headers, body });
        const set = res.headers.get("set-cookie");
        if (set) {
          const m = /cairn_session=([^;]*)/.exec(set);
          if (m) self.cookie = m[1] || null;
        }
        return res;
      },
      async json(method, path, o) {
        const res = await self.request(method, path, o);
        const text = await res.text();
        const body = text ? JSON.parse(text) : null;
        if (body && typeof body === "object" && typeof body.csrfToken === "string") {
          self.csrf = body.csrfToken;
        }
        return { status: res.status, body, res };
      },
    };
    return self;
  }

  /** A signed-in client per role: the admin from setup, then an operator and a viewer. */
  async function signedInClients(password = "correct horse battery") {
    const admin = client();
    const setup = await admin.json("POST", "/api/auth/setup", {
      body: { username: "admin", password },
    });
    if (setup.status !== 201) throw new Error(`setup failed: ${setup.status}`);
    const out: Record<"admin" | "operator" | "viewer", TestClient> = {
      admin,
      operator: client(),
      viewer: client(),
    };
    for (const role of ["operator", "viewer"] as const) {
      const made = await admin.json("POST", "/api/users", {
        body: { username: role, password, role },
      });
      if (made.status !== 201) throw new Error(`creating ${role} failed: ${made.status}`);
      const login = await out[role].json("POST", "/api/auth/login", {
        body: { username: role, password },
      });
      if (login.status !== 200) throw new Error(`login ${role} failed: ${login.status}`);
    }
    return out;
  }

  return {
    app,
    deps,
    db,
    dir,
    clock,
    services,
    logLines,
    client,
    signedInClients,
    async close() {
      await close();
      // One event-loop turn after closing lets libsql finish before its finalizers can run at
      // module teardown (a segfault otherwise: tursodatabase/libsql-js#231).
      await new Promise((r) => setTimeout(r, 0));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
