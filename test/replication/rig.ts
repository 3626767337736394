/**
 * Two real appliances on loopback for the replication tests: a primary with an admin, standbys
 * started with CAIRN_STANDBY_OF and a pairing code, a SQL writer on the primary's file that
 * touches every replicated table, and per-table checksums read from both files.
 */
import { lastPosition } from "../../server/replication/capture.ts";
import { tableChecksums } from "../../server/replication/checksum.ts";
import { openReplicationConn } from "../../server/replication/repo.ts";
import type { SqlConn } from "../../server/replication/repo.ts";
import { join } from "node:path";
import { signIn } from "../agents/procs.ts";
import type { Admin } from "../agents/procs.ts";
import { ADMIN_PASSWORD } from "../agents/procs.ts";
import { freeLoopbackPort } from "../helpers/ports.ts";
import { startServerProcess } from "../helpers/server_process.ts";
import type { ServerProcess } from "../helpers/server_process.ts";
import { registerTestSecret } from "../helpers/log_capture.ts";

export interface Node extends ServerProcess {
  admin: Admin | null;
}

/** A fixed loopback address, for an appliance that must come back on the same URL. */
export function loopbackListen(): string {
  return `127.0.0.1:${freeLoopbackPort()}`;
}

export async function startPrimary(
  opts: { dataDir?: string; listen?: string; env?: Record<string, string> } = {},
): Promise<Node & { admin: Admin }> {
  const p = await startServerProcess({
    dataDir: opts.dataDir,
    listen: opts.listen,
    env: { CAIRN_ADMIN_PASSWORD: ADMIN_PASSWORD, CAIRN_LOG_LEVEL: "info", ...opts.env },
  });
  return Object.assign(p, { admin: await signIn(p.url) });
}

export async function pairingCode(primary: { admin: Admin }): Promise<string> {
  const r = await primary.admin.json<{ code: string }>(
    "POST",
    "/api/replication/pairing-codes",
    {},
  );
  if (r.status !== 201) throw new Error(`pairing code: ${r.status} ${JSON.stringify(r.body)}`);
  registerTestSecret(r.body.code);
  return r.body.code;
}

export async function startStandby(
  primaryUrl: string,
  opts: { code?: string; dataDir?: string; listen?: string; env?: Record<string, string> } = {},
): Promise<Node> {
  const p = await startServerProcess({
    dataDir: opts.dataDir,
    listen: opts.listen,
    env: {
      CAIRN_STANDBY_OF: primaryUrl,
      ...(opts.code ? { CAIRN_PAIRING_CODE: opts.code } : {}),
      ...opts.env,
    },
  });
  return Object.assign(p, { admin: null });
}

/** Waits until the agent in stateDir pinned both appliances of the pair (appliances.json). */
export function agentPinnedBoth(stateDir: string): Promise<true> {
  return waitFor("the agent pinned the standby", async () => {
    try {
      const f = JSON.parse(await Deno.readTextFile(join(stateDir, "appliances.json")));
      return f.appliances.length === 2;
    } catch {
      return false; // not written yet (or mid-write)
    }
  });
}

export interface Status {
  role: string;
  epoch: number;
  headPosition: number;
  appliedPosition: number;
  state: string;
  lastError: string | null;
  lag: { entries: number; seconds: number | null };
  peer: { fingerprint: string } | null;
  fingerprint: string;
  synchronous: { enabled: boolean; standbyConnected: boolean };
  lease: {
    heldForMs: number | null;
    writesPaused: boolean;
    standbySilentMs: number | null;
    promotableInMs: number | null;
    promoting: boolean;
  };
}

export async function status(node: { admin: Admin | null; url: string }): Promise<Status> {
  node.admin ??= await signIn(node.url);
  const r = await node.admin.json<Status>("GET", "/api/replication/status");
  if (r.status !== 200) throw new Error(`status: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Until a paired primary's probe brought the standby's first lease (within a fraction of a second
 * of pairing), it pauses writes: tests that write through its API right after pairing wait.
 */
export function leaseHeld(primary: { admin: Admin | null; url: string }): Promise<true> {
  return waitFor("the primary holds the standby's lease", async () => {
    return (await status(primary)).lease.heldForMs !== null || null;
  });
}

export function dbFile(node: { dataDir: string }): string {
  return join(node.dataDir, "cairn.db");
}

export function checksums(node: { dataDir: string }) {
  const conn = openReplicationConn(dbFile(node));
  try {
    return tableChecksums(conn);
  } finally {
    conn.close();
  }
}

/** The primary's last log position, read from its file. */
export function head(node: { dataDir: string }): number {
  const conn = openReplicationConn(dbFile(node));
  try {
    return lastPosition(conn);
  } finally {
    conn.close();
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | false> | T | null | false,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < until) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}

/** Waits until the standby applied everything the primary's file holds now, then compares. */
export async function caughtUp(primary: { dataDir: string }, standby: { dataDir: string }) {
  const target = head(primary);
  await waitFor(`standby at ${target}`, () => {
    const conn = openReplicationConn(dbFile(standby));
    try {
      const p = Number(
        conn.get<{ p: number }>("SELECT applied_position AS p FROM replication_state")!.p,
      );
      return p >= target;
    } finally {
      conn.close();
    }
  });
}

/**
 * Writes one row (and changes others) in every table the API cannot reach quickly: hosts and
 * their contacts, commands, reports, jobs, snapshots, restores and drills. Foreign keys hold.
 */
export function writeRows(conn: SqlConn, n: number, tag: string): void {
  const now = Date.now();
  conn.write(() => {
    for (let i = 0; i < n; i++) {
      const k = `${tag}${i}`;
      const host = `hst_${k}`;
      conn.run(
        "INSERT INTO hosts (id, name, public_key, box_public_key, fingerprint, state, enrolled_ip, protocol_version, created_at, updated_at) VALUES (?, ?, ?, 'bk', ?, 'approved', '127.0.0.1', 1, ?, ?)",
        [host, `host ${k}`, `pk-${k}`, `fp-${k}`, now, now],
      );
      conn.run(
        "INSERT INTO host_contacts (host_id, last_seen_at, last_ip) VALUES (?, ?, '127.0.0.1')",
        [host, now],
      );
      conn.run(
        "INSERT INTO repositories (id, name, engine, location, passphrase_sealed, created_by, created_at, updated_at) VALUES (?, ?, 'restic', '{}', 'sb1:x', 'admin', ?, ?)",
        [`rep_${k}`, `repo ${k}`, now, now],
      );
      conn.run(
        "INSERT INTO plans (id, name, repository_id, target_host_id, sources, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, '[\"/\"]', 'admin', ?, ?)",
        [`pln_${k}`, `plan ${k}`, `rep_${k}`, host, now, now],
      );
      conn.run(
        "INSERT INTO jobs (id, host_id, repository_id, plan_id, kind, exclusive, status, created_by, created_at) VALUES (?, ?, ?, ?, 'backup', 0, 'ok', 'admin', ?)",
        [`job_${k}`, host, `rep_${k}`, `pln_${k}`, now],
      );
      conn.run(
        "INSERT INTO agent_commands (id, host_id, kind, job_id, created_by, created_at) VALUES (?, ?, 'job.run', ?, 'admin', ?)",
        [`cmd_${k}`, host, `job_${k}`, now],
      );
      conn.run(
        "INSERT INTO agent_reports (id, host_id, job_id, kind, seq, at, body, received_at) VALUES (?, ?, ?, 'job.log', 1, ?, '{\"line\":\"é\"}', ?)",
        [`rpt_${k}`, host, `job_${k}`, now, now],
      );
      conn.run(
        "INSERT INTO snapshots (repository_id, snapshot_id, short_id, time, hostname, refresh_id) VALUES (?, ?, 'abc', ?, 'h', ?)",
        [`rep_${k}`, `snap_${k}`, now, `job_${k}`],
      );
      conn.run(
        "INSERT INTO restores (job_id, repository_id, snapshot_id, target_host_id, target, target_dir, overwrite, created_by, created_at) VALUES (?, ?, ?, ?, '{}', '/tmp', 'never', 'admin', ?)",
        [`job_${k}`, `rep_${k}`, `snap_${k}`, host, now],
      );
      conn.run(
        "INSERT INTO drills (job_id, host_id, target_host_id, repository_id, snapshot_id, sample_size, created_by, created_at) VALUES (?, ?, ?, ?, ?, 3, 'admin', ?)",
        [`job_${k}`, host, host, `rep_${k}`, `snap_${k}`, now],
      );
      conn.run("UPDATE host_contacts SET outbox_depth = outbox_depth + 1 WHERE host_id = ?", [
        host,
      ]);
      conn.run("UPDATE jobs SET progress = ?, log_lines = 3 WHERE id = ?", [
        `{"pct":${i}}`,
        `job_${k}`,
      ]);
    }
  });
}

/** Opens the primary's file the way another writer of the appliance would (foreign keys on). */
export function openWriter(node: { dataDir: string }): SqlConn {
  const conn = openReplicationConn(dbFile(node));
  conn.exec("PRAGMA foreign_keys = ON");
  return conn;
}
