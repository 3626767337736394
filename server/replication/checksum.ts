/**
 * Per-table checksums of the replicated tables: SHA-256 over every row in key order, as JSON
 * built by SQLite itself. Two appliances hold the same replicated content exactly when every
 * table's checksum matches; the tests, the soak and the benchmark compare them.
 */
import { createHash } from "node:crypto";
import { imageColumns } from "./capture.ts";
import type { SqlConn } from "./repo.ts";
import { quoteIdent, quoteText, replicatedTables } from "./tables.ts";

export function tableChecksums(conn: SqlConn): Record<string, { rows: number; sha256: string }> {
  const out: Record<string, { rows: number; sha256: string }> = {};
  for (const t of replicatedTables(conn)) {
    const cols = imageColumns(t).map((c) =>
      `${quoteText(c)}, ${
        c === "rowid" ? "rowid" : t.blobs.has(c) ? `hex(${quoteIdent(c)})` : quoteIdent(c)
      }`
    );
    const order = t.key.map((k) => (k === "rowid" ? "rowid" : quoteIdent(k))).join(", ");
    const hash = createHash("sha256");
    let rows = 0;
    for (
      const r of conn.all<{ j: string }>(
        `SELECT json_array(${cols.join(", ")}) AS j FROM ${quoteIdent(t.name)} ORDER BY ${order}`,
      )
    ) {
      hash.update(r.j).update("\n");
      rows++;
    }
    out[t.name] = { rows, sha256: hash.digest("hex") };
  }
  return out;
}
