/**
 * The agent's only reader of the environment and the command line. Flags say what to do; a few
 * `CAIRN_AGENT_*` variables tune timings (tests shorten them; operators rarely need to).
 */
import { parseArgs } from "node:util";
import { DEFAULT_TUNING } from "./channel.ts";
import type { Tuning } from "./channel.ts";
import type { LogLevel } from "./log.ts";
import { runtime } from "./platform/runtime.ts";
import type { SqliteDriver } from "./platform/sqlite.ts";

export const DEFAULT_STATE_DIR = "/var/lib/cairn-agent";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface AgentConfig {
  command: string;
  stateDir: string;
  server: string | null;
  token: string | null;
  applianceFingerprint: string | null;
  json: boolean;
  offline: boolean;
  kind: string;
  text: string;
  count: number;
  localAddress: string | null;
  logLevel: LogLevel;
  sqliteDriver: SqliteDriver | undefined;
  tuning: Tuning;
}

function envInt(
  env: Record<string, string | undefined>,
  name: string,
  dflt: number,
  min: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`${name}: expected a whole number of at least ${min}`);
  }
  return n;
}

function readTuning(env: Record<string, string | undefined>): Tuning {
  return {
    heartbeatMs: envInt(env, "CAIRN_AGENT_HEARTBEAT_MS", DEFAULT_TUNING.heartbeatMs, 100),
    pendingRetryMs: envInt(env, "CAIRN_AGENT_PENDING_RETRY_MS", DEFAULT_TUNING.pendingRetryMs, 50),
    batchSize: Math.min(500, envInt(env, "CAIRN_AGENT_BATCH_SIZE", DEFAULT_TUNING.batchSize, 1)),
    longPollSeconds: Math.min(
      30,
      envInt(env, "CAIRN_AGENT_LONG_POLL_SECONDS", DEFAULT_TUNING.longPollSeconds, 0),
    ),
    backoffBaseMs: envInt(env, "CAIRN_AGENT_BACKOFF_BASE_MS", DEFAULT_TUNING.backoffBaseMs, 10),
    backoffMaxMs: envInt(env, "CAIRN_AGENT_BACKOFF_MAX_MS", DEFAULT_TUNING.backoffMaxMs, 10),
    idleCheckMs: envInt(env, "CAIRN_AGENT_IDLE_CHECK_MS", DEFAULT_TUNING.idleCheckMs, 10),
  };
}

export function readConfig(
  argv: string[] = runtime.args(),
  env: Record<string, string | undefined> = runtime.env(),
): AgentConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        "state-dir": { type: "string" },
        server: { type: "string" },
        token: { type: "string" },
        "appliance-fingerprint": { type: "string" },
        json: { type: "boolean" },
        offline: { type: "boolean" },
        kind: { type: "string" },
        text: { type: "string" },
        count: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const command = values.help ? "help" : positionals[0] ?? "help";
  if (positionals.length > 1) throw new UsageError(`Unexpected argument: ${positionals[1]}`);
  const count = values.count === undefined ? 1 : Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000) {
    throw new UsageError("--count: expected a whole number from 1 to 1000000");
  }
  const level = env.CAIRN_AGENT_LOG_LEVEL ?? "info";
  if (!["debug", "info", "warn", "error"].includes(level)) {
    throw new UsageError("CAIRN_AGENT_LOG_LEVEL: expected debug, info, warn or error");
  }
  const driver = env.CAIRN_AGENT_SQLITE || undefined;
  if (driver !== undefined && driver !== "libsql" && driver !== "node:sqlite") {
    throw new UsageError("CAIRN_AGENT_SQLITE: expected libsql or node:sqlite");
  }
  return {
    command,
    stateDir: values["state-dir"] ?? env.CAIRN_AGENT_STATE_DIR ?? DEFAULT_STATE_DIR,
    server: values.server ?? null,
    token: values.token ?? null,
    applianceFingerprint: values["appliance-fingerprint"] ?? null,
    json: values.json ?? false,
    offline: values.offline ?? false,
    kind: values.kind ?? "event",
    text: values.text ?? "",
    count,
    localAddress: env.CAIRN_AGENT_LOCAL_ADDRESS || null,
    logLevel: level as LogLevel,
    sqliteDriver: driver,
    tuning: readTuning(env),
  };
}

export const USAGE = `cairn-agent: the Cairn backup agent

  cairn-agent id [--json]                     this host's key fingerprint and phrase
  cairn-agent enroll --server URL [--token TOKEN] [--appliance-fingerprint HEX]
                                              ask the appliance to take this host
  cairn-agent run                             the service: commands, reports, heartbeats
  cairn-agent status [--json] [--offline]     enrollment, connection and outbox
  cairn-agent emit [--kind event|log|alert] [--text TEXT] [--count N]
                                              queue a report (hooks, diagnostics)

Every command takes --state-dir DIR (default ${DEFAULT_STATE_DIR}).`;
