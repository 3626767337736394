/**
 * What the appliance calls around its start: drop the replication triggers before migrations
 * run (a migration must never trip over a trigger that names a column it removes; the role's
 * triggers are built again from the new schema right after), then open replication.
 */
import { removeCapture } from "./capture.ts";
import { removeReadOnlyGuard } from "./guard.ts";
import { openReplicationConn } from "./repo.ts";
import { createReplicationService } from "./service.ts";
import type { ReplicationDeps, ReplicationService } from "./service.ts";

export function dropReplicationTriggers(dbFile: string): void {
  const conn = openReplicationConn(dbFile);
  try {
    removeCapture(conn);
    removeReadOnlyGuard(conn);
  } finally {
    conn.close();
  }
}

export function openReplication(
  deps: Omit<ReplicationDeps, "conn"> & { dbFile: string },
): { service: ReplicationService; close(): Promise<void> } {
  const conn = openReplicationConn(deps.dbFile);
  const service = createReplicationService({ ...deps, conn });
  return {
    service,
    async close() {
      await service.stop();
      conn.close();
    },
  };
}
