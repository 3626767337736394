/**
 * Two replication databases in one process for the capture and applier tests: `a` captures as a
 * primary, `b` is its guarded standby; `ship` carries what follows b's position from a to b.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultMigrationsDir, loadMigrations, migrate } from "../db/migrate.ts";
import { createApplier } from "./apply.ts";
import { installCapture, lastPosition } from "./capture.ts";
import { installReadOnlyGuard } from "./guard.ts";
import { readChanges } from "./log.ts";
import { openReplicationConn } from "./repo.ts";
import type { SqlConn } from "./repo.ts";

export async function pair() {
  const dir = await mkdtemp(join(tmpdir(), "cairn-cap-"));
  const migrations = await loadMigrations(defaultMigrationsDir());
  await migrate(join(dir, "a.db"), migrations);
  await migrate(join(dir, "b.db"), migrations);
  const a = openReplicationConn(join(dir, "a.db"));
  const b = openReplicationConn(join(dir, "b.db"));
  installCapture(a, { migrations, now: 1 });
  b.run("UPDATE replication_state SET role = 'standby', applied_position = ? WHERE id = 1", [
    lastPosition(a),
  ]);
  installReadOnlyGuard(b);
  const applier = createApplier(b, migrations);
  const ship = (limit = 1000) => {
    const after = b.get<{ p: number }>(
      "SELECT applied_position AS p FROM replication_state",
    )!.p;
    const entries = readChanges(a, after, limit);
    const last = entries.length ? entries[entries.length - 1].position : after;
    return applier.apply({
      epoch: 1,
      primaryId: "apl_x",
      after,
      last,
      head: lastPosition(a),
      headAt: null,
      entries,
    }, Date.now());
  };
  return {
    a,
    b,
    migrations,
    applier,
    ship,
    async close() {
      a.close();
      b.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function seed(a: SqlConn, n: number) {
  a.write(() => {
    for (let i = 0; i < n; i++) {
      a.run(
        "INSERT INTO users (id, username, password_hash, role, created_at, updated_at, password_changed_at) VALUES (?, ?, 'h', 'admin', 1, 1, 1)",
        [`usr_${i}`, `user${i}`],
      );
      a.run(
        "INSERT INTO audit_log (id, at, actor_type, actor_name, action, details) VALUES (?, ?, 'system', 'system', 'x', ?)",
        [`aud_${i}`, i, JSON.stringify({ n: i, text: "quote ' and \" and ü" })],
      );
      a.run("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)", [
        `k${i}`,
        String(i * 1.5),
        i,
      ]);
    }
  });
}
