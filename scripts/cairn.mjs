#!/usr/bin/env node
// Cairn's command line, for what an admin does from a shell rather than the web app.
//
//   node scripts/cairn.mjs status  [--url URL] [--token TOKEN]
//   node scripts/cairn.mjs promote [--url URL] [--token TOKEN] --confirm promote
//
// The address and an admin's API token come from the flags or from CAIRN_URL and CAIRN_TOKEN
// (a token on the command line shows in the process list; prefer the variable). For an
// appliance serving HTTPS with its own certificate authority, point NODE_EXTRA_CA_CERTS at the
// CA certificate from its Settings page.
import process from "node:process";

const USAGE = `Usage:
  node scripts/cairn.mjs status  [--url URL] [--token TOKEN]
  node scripts/cairn.mjs promote [--url URL] [--token TOKEN] --confirm promote

  --url      the appliance's address (or CAIRN_URL), e.g. https://standby.lan:8443
  --token    an API token (or CAIRN_TOKEN); promote needs an admin's
  --confirm  promote only: the word "promote", typed out

promote makes this standby the primary. Promote only when the primary is down or cut off from
everyone: whatever the old primary wrote that this standby never received is lost.`;

/** Flags as `--name value` or `--name=value`; the first bare word is the command. */
export function parseArgs(argv) {
  const out = { command: null, flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") out.flags.help = "1";
    else if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq > 0) out.flags[a.slice(2, eq)] = a.slice(eq + 1);
      else out.flags[a.slice(2)] = argv[++i] ?? "";
    } else if (out.command === null) out.command = a;
    else throw new UsageError(`unexpected argument "${a}"`);
  }
  return out;
}

class UsageError extends Error {}

function target(flags, env) {
  const url = flags.url ?? env.CAIRN_URL ?? "";
  const token = flags.token ?? env.CAIRN_TOKEN ?? "";
  if (!/^https?:\/\/[^/]+/.test(url)) {
    throw new UsageError(
      "give the appliance's address with --url or CAIRN_URL (http:// or https://)",
    );
  }
  if (!token) throw new UsageError("give an API token with --token or CAIRN_TOKEN");
  return { url: url.replace(/\/+$/, ""), token };
}

async function call(t, method, path, body) {
  let res;
  try {
    res = await fetch(t.url + path, {
      method,
      headers: {
        authorization: `Bearer ${t.token}`,
        accept: "application/json",
        ...(body ? { "content-type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      redirect: "manual",
    });
  } catch (err) {
    throw new Error(`could not reach ${t.url}: ${err.cause?.message ?? err.message}`);
  }
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const e = json?.error;
    const why = e?.message ?? `HTTP ${res.status}`;
    const hint = res.status === 401
      ? " (the token is wrong or revoked)"
      : res.status === 403
      ? " (promotion needs an admin's token)"
      : "";
    throw new Error(`the appliance refused: ${why}${hint}`);
  }
  return json;
}

function describe(s) {
  const lines = [
    `role:         ${s.role}, epoch ${s.epoch}`,
    `state:        ${s.state}`,
    `fingerprint:  ${s.fingerprint} (${s.phrase})`,
  ];
  if (s.primaryUrl) lines.push(`primary:      ${s.primaryUrl}`);
  if (s.peer) {
    lines.push(`peer:         ${s.peer.url ?? "?"} ${s.peer.fingerprint} (${s.peer.phrase})`);
    const secs = s.lag.seconds === null ? "?" : `${s.lag.seconds.toFixed(1)} s`;
    lines.push(`lag:          ${s.lag.entries} entries, ${secs}`);
    lines.push(`last contact: ${s.lastContactAt ?? "never"}`);
  }
  if (s.lastError) lines.push(`last error:   ${s.lastError}`);
  return lines.join("\n");
}

export async function main(argv, env, out = console.log) {
  const { command, flags } = parseArgs(argv);
  if (flags.help || command === null) {
    out(USAGE);
    return 0;
  }
  if (command === "status") {
    out(describe(await call(target(flags, env), "GET", "/api/replication/status")));
    return 0;
  }
  if (command === "promote") {
    if (flags.confirm !== "promote") {
      throw new UsageError('promotion needs --confirm promote (the word "promote", typed out)');
    }
    const t = target(flags, env);
    const before = await call(t, "GET", "/api/replication/status");
    if (before.role !== "standby") {
      throw new Error(`${t.url} is already the primary (epoch ${before.epoch}); nothing to do`);
    }
    const after = await call(t, "POST", "/api/replication/promote", { confirm: "promote" });
    out(`${t.url} is now the primary (epoch ${after.epoch}).\n${describe(after)}`);
    return 0;
  }
  throw new UsageError(`unknown command "${command}"`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`cairn: ${err.message}`);
      if (err instanceof UsageError) console.error(`\n${USAGE}`);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
