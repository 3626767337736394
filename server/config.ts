/**
 * The only reader of the environment. Every setting is parsed and checked at start; a bad value
 * stops the process with a message that names the variable, so a typo never runs half-configured.
 */
import * as v from "valibot";
import { isValidCidr } from "./http/client_ip.ts";
import { PWA_DIST_DIR } from "./paths.ts";
import { isCertificateName } from "./tls/names.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type TlsMode = "on" | "off";

export interface Config {
  listen: { hostname: string; port: number };
  dataDir: string;
  baseUrl: string | null;
  trustedProxies: string[];
  tls: TlsMode;
  tlsHostnames: string[];
  logLevel: LogLevel;
  adminPassword: string | null;
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  maxBodyBytes: number;
  pwaDir: string;
  /**
   * How often the alert engine and the drill scheduler tick (30 s). Tests set them lower
   * (CAIRN_ALERT_TICK_MS, CAIRN_DRILL_TICK_MS: 250 to 30000) to see tick rules without waiting.
   */
  alertTickMs: number;
  drillTickMs: number;
  /** Standby replication: the primary's URL, for an appliance that starts as its standby. */
  standbyOf: string | null;
  /** The one-time code made on the primary; used once, at the first start as a standby. */
  pairingCode: string | null;
  /** Agent reports are acknowledged only once the standby holds them (docs/replication.md). */
  replicationSync: boolean;
  /** Web Push's contact for the push services (mailto: or https:); null = made from baseUrl. */
  vapidSubject: string | null;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, reason: string) {
    super(`${variable}: ${reason}`);
    this.name = "ConfigError";
  }
}

const HTTP_URL = v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//));
const LISTEN = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):(\d{1,5})$/;
const CIDR = /^([0-9.]+|[0-9a-fA-F:]+)(\/\d{1,3})?$/;

function parseListen(raw: string) {
  const m = LISTEN.exec(raw);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new ConfigError("CAIRN_LISTEN", "expected host:port, for example 0.0.0.0:8080");
  }
  return { hostname: m[1].replace(/^\[|\]$/g, ""), port };
}

function parseInteger(name: string, raw: string | undefined, dflt: number, min: number) {
  if (raw === undefined || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new ConfigError(name, `expected a whole number of at least ${min}`);
  }
  return n;
}

function pick<T extends string>(name: string, raw: string | undefined, allowed: T[], dflt: T): T {
  if (raw === undefined || raw === "") return dflt;
  if (!(allowed as string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${allowed.join(", ")}`);
  }
  return raw as T;
}

function list(raw: string | undefined): string[] {
  return (raw ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

function readTlsHostnames(raw: string | undefined): string[] {
  const names = list(raw);
  if (names.some((n) => !isCertificateName(n))) {
    throw new ConfigError(
      "CAIRN_TLS_HOSTNAMES",
      "expected DNS names or IP addresses separated by commas",
    );
  }
  return names;
}

function readVapidSubject(raw: string | undefined): string | null {
  if (!raw) return null;
  const mail = /^mailto:(.+)$/.exec(raw);
  const ok = mail
    ? v.is(v.pipe(v.string(), v.email()), mail[1])
    : v.is(v.pipe(v.string(), v.url(), v.regex(/^https:\/\/[^/?#\s]+/)), raw);
  if (!ok) {
    throw new ConfigError(
      "CAIRN_VAPID_SUBJECT",
      "expected mailto: and an email address, or an https:// URL",
    );
  }
  return raw;
}

/** Reads a Config from a plain record of environment variables (Deno.env.toObject(), process.env). */
export function readConfig(env: Record<string, string | undefined>): Config {
  const tls = pick("CAIRN_TLS", env.CAIRN_TLS, ["on", "off"], "off");
  const listen = parseListen(
    env.CAIRN_LISTEN || (tls === "on" ? "0.0.0.0:8443" : "127.0.0.1:8080"),
  );
  const baseUrl = env.CAIRN_BASE_URL || null;
  if (baseUrl !== null && !v.is(HTTP_URL, baseUrl)) {
    throw new ConfigError("CAIRN_BASE_URL", "expected an http:// or https:// URL");
  }
  const trustedProxies = list(env.CAIRN_TRUSTED_PROXIES);
  for (const p of trustedProxies) {
    if (!CIDR.test(p) || !isValidCidr(p)) {
      throw new ConfigError(
        "CAIRN_TRUSTED_PROXIES",
        "expected addresses or CIDRs separated by commas",
      );
    }
  }
  const adminPassword = env.CAIRN_ADMIN_PASSWORD || null;
  if (adminPassword !== null && adminPassword.length < 10) {
    throw new ConfigError("CAIRN_ADMIN_PASSWORD", "must be at least 10 characters");
  }
  const standbyOf = env.CAIRN_STANDBY_OF || null;
  if (standbyOf !== null && !v.is(HTTP_URL, standbyOf)) {
    throw new ConfigError("CAIRN_STANDBY_OF", "expected the primary's http:// or https:// URL");
  }
  return {
    listen,
    standbyOf,
    pairingCode: env.CAIRN_PAIRING_CODE || null,
    replicationSync:
      pick("CAIRN_REPLICATION_SYNC", env.CAIRN_REPLICATION_SYNC, ["on", "off"], "off") === "on",
    vapidSubject: readVapidSubject(env.CAIRN_VAPID_SUBJECT),
    dataDir: env.CAIRN_DATA_DIR || "./data",
    baseUrl,
    trustedProxies,
    tls,
    tlsHostnames: readTlsHostnames(env.CAIRN_TLS_HOSTNAMES),
    logLevel: pick(
      "CAIRN_LOG_LEVEL",
      env.CAIRN_LOG_LEVEL,
      ["debug", "info", "warn", "error"],
      "info",
    ),
    adminPassword,
    sessionIdleMinutes: parseInteger(
      "CAIRN_SESSION_IDLE_MINUTES",
      env.CAIRN_SESSION_IDLE_MINUTES,
      12 * 60,
      1,
    ),
    sessionAbsoluteHours: parseInteger(
      "CAIRN_SESSION_ABSOLUTE_HOURS",
      env.CAIRN_SESSION_ABSOLUTE_HOURS,
      7 * 24,
      1,
    ),
    maxBodyBytes: parseInteger("CAIRN_MAX_BODY_BYTES", env.CAIRN_MAX_BODY_BYTES, 1024 * 1024, 1024),
    pwaDir: env.CAIRN_PWA_DIR || PWA_DIST_DIR,
    alertTickMs: parseTick("CAIRN_ALERT_TICK_MS", env.CAIRN_ALERT_TICK_MS),
    drillTickMs: parseTick("CAIRN_DRILL_TICK_MS", env.CAIRN_DRILL_TICK_MS),
  };
}

const TICK_MS = 30_000;

function parseTick(name: string, raw: string | undefined): number {
  const n = parseInteger(name, raw, TICK_MS, 250);
  if (n > TICK_MS) throw new ConfigError(name, `expected a whole number from 250 to ${TICK_MS}`);
  return n;
}
