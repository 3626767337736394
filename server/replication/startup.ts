/**
 * What the appliance calls around its start: drop the replication triggers before migrations
 * run (a migration must never trip over a trigger that names a column it removes; the role's
 * triggers are built again from the new schema right after), then open replication.
 */
import type { ApplianceIdentity } from "../agent_channel/identity.ts";
import type { ReplicationRole } from "../contract/replication.ts";
import type { Logger } from "../log.ts";
import type { MigrationFile } from "./capture.ts";
import { removeCapture } from "./capture.ts";
import { removeReadOnlyGuard } from "./guard.ts";
import type { RekeyableBox } from "./rekeyable_box.ts";
import { openReplicationConn } from "./repo.ts";
import { createReplicationService } from "./service.ts";
import type { ReplicationService } from "./service.ts";

export function dropReplicationTriggers(dbFile: string): void {
  const conn = openReplicationConn(dbFile);
  try {
    removeCapture(conn);
    removeReadOnlyGuard(conn);
  } finally {
    conn.close();
  }
}

export function openReplication(deps: {
  dbFile: string;
  dataDir: string;
  identity: ApplianceIdentity;
  secretBox: RekeyableBox;
  migrations: MigrationFile[];
  now: () => number;
  log?: Logger;
  config: {
    standbyOf: string | null;
    pairingCode: string | null;
    baseUrl: string | null;
    replicationSync?: boolean;
  };
  onRoleChange?(role: ReplicationRole, e: { epoch: number; by: string }): void;
}): { service: ReplicationService; close(): Promise<void> } {
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
