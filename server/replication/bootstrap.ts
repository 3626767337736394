/**
 * Bootstrap: the primary makes a consistent copy of its database with `VACUUM INTO` (one read
 * transaction, so the copy's own change log says exactly which position it holds), and the
 * standby copies every replicated table out of it into its own database in one write
 * transaction, stamped with that position. Copying in place rather than swapping files keeps
 * every open connection of the standby valid, and a crash mid-copy leaves the old content whole.
 */
import { mkdir, open, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { lastPosition } from "./capture.ts";
import { ReplicationRefusedError } from "./errors.ts";
import { installReadOnlyGuard, removeReadOnlyGuard } from "./guard.ts";
import { openReplicationConn } from "./repo.ts";
import type { SqlConn } from "./repo.ts";
import { recordEpoch, updateState } from "./state.ts";
import { quoteIdent, quoteText, replicatedTables } from "./tables.ts";
import { newId } from "../ids.ts";

export interface Snapshot {
  path: string;
  position: number;
  epoch: number;
  sha256: string;
  size: number;
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  const handle = await open(path, "r");
  try {
    const buf = new Uint8Array(1 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

/** VACUUM INTO a fresh file under dir; the caller removes it when sent. */
export async function makeSnapshot(conn: SqlConn, dir: string): Promise<Snapshot> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `snapshot-${newId("snp")}.db`);
  conn.run(`VACUUM INTO ${quoteText(path)}`);
  const copy = openReplicationConn(path);
  let position: number;
  let epoch: number;
  try {
    position = lastPosition(copy);
    epoch = Number(copy.get<{ e: number }>("SELECT epoch AS e FROM replication_state")!.e);
    copy.exec("PRAGMA journal_mode = DELETE");
  } finally {
    copy.close();
  }
  return { path, position, epoch, sha256: await fileSha256(path), size: (await stat(path)).size };
}

function migrationsOf(conn: SqlConn, schema: string): string {
  return JSON.stringify(
    conn.all<{ name: string; checksum: string }>(
      `SELECT name, checksum FROM ${schema}.schema_migrations ORDER BY name`,
    ),
  );
}

/**
 * Replaces every replicated table's content with the snapshot's and stamps the position.
 * Refuses a snapshot whose applied migrations differ from this appliance's: both must run the
 * same version.
 */
export function installSnapshot(
  conn: SqlConn,
  snap: { path: string; position: number; epoch: number; primaryId: string; now: number },
): { tables: number; rows: number } {
  conn.exec(`ATTACH DATABASE ${quoteText(snap.path)} AS snap`);
  try {
    if (migrationsOf(conn, "main") !== migrationsOf(conn, "snap")) {
      throw new ReplicationRefusedError(
        "schema_mismatch",
        "The primary runs a different set of migrations than this standby; run the same Cairn version on both",
      );
    }
    return conn.write(() => {
      removeReadOnlyGuard(conn);
      let rows = 0;
      const tables = replicatedTables(conn);
      for (const t of tables) {
        const cols = (t.key[0] === "rowid" ? ["rowid", ...t.columns] : t.columns)
          .map((c) => (c === "rowid" ? "rowid" : quoteIdent(c))).join(", ");
        conn.run(`DELETE FROM main.${quoteIdent(t.name)}`);
        rows += conn.run(
          `INSERT INTO main.${quoteIdent(t.name)} (${cols}) SELECT ${cols} FROM snap.${
            quoteIdent(t.name)
          }`,
        ).changes;
      }
      conn.run(
        "INSERT OR IGNORE INTO main.replication_epochs SELECT * FROM snap.replication_epochs",
      );
      recordEpoch(conn, {
        epoch: snap.epoch,
        afterPosition: 0,
        applianceId: snap.primaryId,
        now: snap.now,
      });
      conn.run("DELETE FROM main.replication_log");
      updateState(conn, {
        role: "standby",
        epoch: snap.epoch,
        appliedPosition: snap.position,
        appliedAt: snap.now,
        bootstrappedAt: snap.now,
        lastError: null,
      }, snap.now);
      installReadOnlyGuard(conn);
      return { tables: tables.length, rows };
    });
  } finally {
    conn.exec("DETACH DATABASE snap");
  }
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
