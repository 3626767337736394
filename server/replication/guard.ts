/**
 * The standby's read-only guard in the database itself: a BEFORE trigger on every replicated
 * table drops (RAISE(IGNORE)) any write not made by the applier, whose transaction alone sets
 * replication_state.applying. So a background task or a sign-in that touches a replicated row on
 * a standby (a last-login time, an audit entry) leaves the standby identical to its primary
 * instead of drifting; the HTTP write guard answers users before they get this far.
 */
import type { SqlConn } from "./repo.ts";
import { quoteIdent, replicatedTables } from "./tables.ts";

const PREFIX = "cairn_ro_";

function guardNames(conn: SqlConn): string[] {
  return conn.all<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cairn\\_ro\\_%' ESCAPE '\\'",
  ).map((r) => r.name);
}

export function removeReadOnlyGuard(conn: SqlConn): void {
  conn.write(() => {
    for (const name of guardNames(conn)) conn.exec(`DROP TRIGGER ${quoteIdent(name)}`);
  });
}

export function installReadOnlyGuard(conn: SqlConn): void {
  conn.write(() => {
    for (const name of guardNames(conn)) conn.exec(`DROP TRIGGER ${quoteIdent(name)}`);
    const when = "WHEN (SELECT applying FROM replication_state WHERE id = 1) = 0";
    for (const t of replicatedTables(conn)) {
      for (const [suffix, event] of [["ins", "INSERT"], ["upd", "UPDATE"], ["del", "DELETE"]]) {
        conn.exec(
          `CREATE TRIGGER ${quoteIdent(`${PREFIX}${t.name}_${suffix}`)} BEFORE ${event} ON ` +
            `${quoteIdent(t.name)} ${when} BEGIN SELECT RAISE(IGNORE); END`,
        );
      }
    }
  });
}
