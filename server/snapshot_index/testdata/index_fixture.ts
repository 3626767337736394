/** Test helper: a snapshot index service on a real libSQL file with every migration applied. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "../../db/connect.ts";
import { defaultMigrationsDir, loadMigrations, migrate } from "../../db/migrate.ts";
import type { Entry, EntryType } from "../entry.ts";
import { createSnapshotIndexRepo } from "../repo.ts";
import type { SnapshotMeta } from "../repo.ts";
import { createSnapshotIndexService } from "../service.ts";

export const T0 = Date.UTC(2026, 0, 1);

export async function openIndex(opts: { cacheEntries?: number } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "cairn-index-"));
  const file = join(dir, "cairn.db");
  await migrate(file, await loadMigrations(defaultMigrationsDir()));
  const { db, close } = openDb(file);
  const repo = createSnapshotIndexRepo(db);
  let now = T0;
  const clock = { now: () => now++ };
  const service = createSnapshotIndexService({ repo, clock, cacheEntries: opts.cacheEntries });
  return {
    db,
    repo,
    service,
    file,
    /** A second service on the same database, as after a restart. */
    restart: () => createSnapshotIndexService({ repo, clock, cacheEntries: opts.cacheEntries }),
    async [Symbol.asyncDispose]() {
      await close();
      // libsql's native module finishes a close on its own threads and calls back into the
      // runtime; if `deno test` tears the module's runtime down first, the process segfaults
      // (reproduced: three ingests, close, end of module, a crash every time). One turn of the
      // event loop lets it finish.
      await new Promise((r) => setTimeout(r, 20));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function meta(id: string, o: Partial<SnapshotMeta> = {}): SnapshotMeta {
  return {
    id,
    hostId: "hst_a",
    repositoryId: "rep_a",
    tool: "restic",
    toolSnapshotId: `tool-${id}`,
    time: T0,
    ...o,
  };
}

/** A terse entry: `e("/a/b", "file", 10)`. */
export function e(path: string, type: EntryType = "file", size = 0, o: Partial<Entry> = {}): Entry {
  return {
    path,
    type,
    size,
    mtime: T0,
    mode: type === "dir" ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    user: "root",
    group: "root",
    linkTarget: null,
    ...o,
  };
}
