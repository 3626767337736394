/**
 * Real processes for the agent tests: an appliance (server_process.ts) with an admin signed in
 * over HTTP, agents run as `deno run agent/main.ts …` with short timings, and a read-only look
 * into the appliance's database to count what was stored.
 */
import Database from "libsql";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../server/paths.ts";
import { captureLog, registerTestSecret } from "../helpers/log_capture.ts";
import { startServerProcess } from "../helpers/server_process.ts";
import type { ServerProcess } from "../helpers/server_process.ts";

export const ADMIN_PASSWORD = "correct horse battery staple";

/** Timings short enough for tests; production uses the defaults in agent/channel.ts. */
export const FAST_AGENT_ENV: Record<string, string> = {
  CAIRN_AGENT_PENDING_RETRY_MS: "200",
  CAIRN_AGENT_BACKOFF_BASE_MS: "50",
  CAIRN_AGENT_BACKOFF_MAX_MS: "400",
  CAIRN_AGENT_HEARTBEAT_MS: "1000",
  CAIRN_AGENT_IDLE_CHECK_MS: "50",
  CAIRN_AGENT_LONG_POLL_SECONDS: "5",
};

export const AGENT_ARGS = [
  "run",
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-sys",
  "--allow-ffi",
  "--allow-run",
  "agent/main.ts",
];

export interface Admin {
  json<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
}

export async function signIn(url: string): Promise<Admin> {
  registerTestSecret(ADMIN_PASSWORD);
  const login = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status}`);
  const cookie = /cairn_session=[^;]*/.exec(login.headers.get("set-cookie") ?? "")![0];
  const { csrfToken } = await login.json();
  return {
    async json<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(url + path, {
        method,
        headers: {
          cookie,
          "x-csrf-token": csrfToken,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
    },
  };
}

export interface Appliance extends ServerProcess {
  admin: Admin;
}

export async function startAppliance(
  opts: { dataDir?: string; listen?: string; env?: Record<string, string> } = {},
): Promise<Appliance> {
  const srv = await startServerProcess({
    ...opts,
    env: { CAIRN_ADMIN_PASSWORD: ADMIN_PASSWORD, ...opts.env },
  });
  return Object.assign(srv, { admin: await signIn(srv.url) });
}

/** Stops the appliance and starts it again on the same address and data dir. */
export async function restartAppliance(a: Appliance, how: "stop" | "kill"): Promise<Appliance> {
  if (how === "stop") await a.stop();
  else await a.kill();
  return await startAppliance({ dataDir: a.dataDir, listen: `127.0.0.1:${a.port}` });
}

export interface AgentProcess {
  child: Deno.ChildProcess;
  lines: string[];
  exited: Promise<number>;
  kill(signal?: Deno.Signal): Promise<number>;
}

export function spawnAgent(
  args: string[],
  opts: { stateDir: string; env?: Record<string, string> },
): AgentProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...AGENT_ARGS, ...args, "--state-dir", opts.stateDir],
    cwd: PROJECT_ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      NO_COLOR: "1",
      ...FAST_AGENT_ENV,
      ...opts.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const pump = async (stream: ReadableStream<Uint8Array<ArrayBuffer>>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      const got = parts.filter(Boolean);
      lines.push(...got);
      captureLog("agent-process", got);
    }
    if (rest) lines.push(rest), captureLog("agent-process", rest);
  };
  const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then(async (s) => {
    await pumped;
    return s.signal ? -1 : s.code;
  });
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    lines,
    exited,
    async kill(signal: Deno.Signal = "SIGTERM") {
      if (!done) child.kill(signal);
      return await exited;
    },
  };
}

/** Runs one agent command to its end. */
export async function agentCommand(
  args: string[],
  opts: { stateDir: string; env?: Record<string, string> },
): Promise<{ code: number; out: string }> {
  const p = spawnAgent(args, opts);
  const code = await p.exited;
  return { code, out: p.lines.join("\n") };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Read-only queries on the appliance's database while it runs (WAL allows it). */
export function applianceDb(dataDir: string) {
  const db = new Database(join(dataDir, "cairn.db"), { readonly: true } as never);
  db.exec("PRAGMA busy_timeout = 5000");
  return {
    // deno-lint-ignore no-explicit-any
    all: (sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as any[],
    count(sql: string, ...params: unknown[]): number {
      return Number((db.prepare(sql).get(...params) as { n: number }).n);
    },
    close: () => db.close(),
  };
}

export async function tempDir(prefix: string): Promise<string> {
  return await mkdtemp(join(tmpdir(), prefix));
}

export async function removeDirs(...dirs: string[]) {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}

/** Enrolls an agent in `stateDir` and approves it through the admin API; returns the host id. */
export async function enrollApproved(
  a: Appliance,
  stateDir: string,
  approve: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<string> {
  const r = await agentCommand(["enroll", "--server", a.url, "--json"], { stateDir, env });
  if (r.code !== 0) throw new Error(`enroll failed (${r.code}): ${r.out}`);
  const { hostId } = JSON.parse(r.out.split("\n").find((l) => l.startsWith("{"))!);
  const ok = await a.admin.json("POST", `/api/hosts/${hostId}/approve`, approve);
  if (ok.status !== 200) throw new Error(`approve failed: ${ok.status}`);
  return hostId;
}

export async function hostStatus(a: Appliance, hostId: string): Promise<string> {
  const r = await a.admin.json<{ host: { status: string } }>("GET", `/api/hosts/${hostId}`);
  return r.body.host.status;
}
