/** What a download needs to know from SQL: the snapshot's host and engine, and the host's state. */
import type { Db } from "../db/connect.ts";
import type { HostState } from "../db/schema_agents.ts";

export interface SnapshotSource {
  repositoryId: string;
  /** As the tool names it: restic's full id, or the borg archive name. */
  snapshotId: string;
  engine: "restic" | "borg";
  hostId: string | null;
}

export interface HostPresence {
  id: string;
  state: HostState;
  lastSeenAt: number | null;
}

export function createDownloadsRepo(db: Db) {
  return {
    /** The cached snapshot by full id, short id or archive name, with its repository's engine. */
    async findSnapshot(repositoryId: string, snapshotId: string): Promise<SnapshotSource | null> {
      const row = await db.selectFrom("snapshots")
        .innerJoin("repositories", "repositories.id", "snapshots.repository_id")
        .select(["snapshots.snapshot_id", "snapshots.host_id", "repositories.engine"])
        .where("snapshots.repository_id", "=", repositoryId)
        .where((eb) =>
          eb.or([
            eb("snapshots.snapshot_id", "=", snapshotId),
            eb("snapshots.short_id", "=", snapshotId),
          ])
        )
        .executeTakeFirst();
      if (!row) return null;
      return {
        repositoryId,
        snapshotId: row.snapshot_id,
        engine: row.engine,
        hostId: row.host_id,
      };
    },
    async findHost(hostId: string): Promise<HostPresence | null> {
      const row = await db.selectFrom("hosts")
        .leftJoin("host_contacts", "host_contacts.host_id", "hosts.id")
        .select(["hosts.id", "hosts.state", "host_contacts.last_seen_at"])
        .where("hosts.id", "=", hostId)
        .executeTakeFirst();
      if (!row) return null;
      return { id: row.id, state: row.state, lastSeenAt: row.last_seen_at ?? null };
    },
  };
}

export type DownloadsRepo = ReturnType<typeof createDownloadsRepo>;
