#!/usr/bin/env node
// Cairn's command line, for what an admin does from a shell rather than the web app.
//
//   node scripts/cairn.mjs status  [--url URL] [--token TOKEN]
//   node scripts/cairn.mjs promote [--url URL] [--token TOKEN] --confirm promote
//   node scripts/cairn.mjs detach  [--url URL] [--token TOKEN] --confirm detach
//
// The address and an admin's API token come from the flags or from CAIRN_URL and CAIRN_TOKEN
// (a token on the command line shows in the process list; prefer the variable). For an
// appliance serving HTTPS with its own certificate authority, point NODE_EXTRA_CA_CERTS at the
// CA certificate from its Settings page.
import process from "node:process";

const USAGE = `Usage:
  node scripts/cairn.mjs status  [--url URL] [--token TOKEN]
  node scripts/cairn.mjs promote [--url URL] [--token TOKEN] --confirm promote
  node scripts/cairn.mjs detach  [--url URL] [--token TOKEN] --confirm detach

  --url      the appliance's address (or CAIRN_URL), e.g. https://standby.lan:8443
  --token    an API token (or CAIRN_TOKEN); promote and detach need an admin's
  --confirm  the command's own word ("promote" or "detach"), typed out

promote makes this standby the primary. It first waits (up to about 8 s) for the primary's write
lease to end. Promote only when the primary is down or cut off from everyone: whatever the old
primary wrote that this standby never received is lost.

detach makes a primary forget its standby, so it accepts writes alone again (a primary that
cannot reach its standby pauses writes). Detach only when the standby is really gone or you will
not promote it; pairing again needs a new code and a fresh standby.`;

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
      ? " (this needs an admin's token)"
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
  const lease = s.lease;
  if (lease?.writesPaused) {
    lines.push(`writes:       PAUSED (the standby has not answered; it may have been promoted)`);
  } else if (lease && lease.heldForMs !== null) {
    lines.push(`lease:        held for ${(lease.heldForMs / 1000).toFixed(1)} s more`);
  }
  if (lease?.promoting) lines.push(`promotion:    waiting for the primary's lease to end`);
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
  if (command === "detach") {
    if (flags.confirm !== "detach") {
      throw new UsageError('detaching needs --confirm detach (the word "detach", typed out)');
    }
    const t = target(flags, env);
    const before = await call(t, "GET", "/api/replication/status");
    if (before.role !== "primary") {
      throw new Error(`${t.url} is a standby; detach on the primary`);
    }
    if (!before.peer) throw new Error(`${t.url} has no standby; nothing to do`);
    const after = await call(t, "POST", "/api/replication/detach", { confirm: "detach" });
    out(`${t.url} no longer has a standby and accepts writes alone.\n${describe(after)}`);
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
