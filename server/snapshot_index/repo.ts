/**
 * The snapshot index's SQL. Bulk work passes its rows as one JSON array per statement and lets
 * SQLite walk it with json_each: one prepared statement for ten thousand rows instead of ten
 * thousand round trips through Kysely. CROSS JOIN pins json_each as the outer loop so every
 * row is an index lookup. Each method is one or two statements; the service decides which run
 * in one transaction (`transaction`).
 */
import { Buffer } from "node:buffer";
import { CompiledQuery, sql } from "kysely";
import type { RawBuilder } from "kysely";
import type { Db } from "../db/connect.ts";
import type { IndexedSnapshotState } from "../db/schema_snapshot_index.ts";

const CHUNK = 10_000;
/** Names per insert: SQLite orders each, so a larger run lands in fewer places. */
const NAME_CHUNK = 50_000;
/**
 * Rows per multi-row INSERT. Only these sizes are used (a remainder is split into them), so a
 * table gets at most five statement texts and the connection's statement cache stays small.
 */
const INSERT_SIZES = [500, 100, 20, 5, 1];

export interface SnapshotMeta {
  id: string;
  hostId: string;
  repositoryId: string;
  tool: "restic" | "borg";
  toolSnapshotId: string;
  time: number;
}

export interface IndexedSnapshot extends SnapshotMeta {
  seq: number;
  entryCount: number;
  dirCount: number;
  totalSize: number;
  skippedLines: number;
  indexedAt: number | null;
}

export interface SnapshotStats {
  entryCount: number;
  dirCount: number;
  totalSize: number;
  skippedLines: number;
  indexedAt: number;
}

export type Pair = [number, number];
export interface DirTotals {
  itemCount: number;
  totalSize: number;
}
export interface DirRow extends DirTotals {
  seq: number;
  dirId: number;
  listingId: number;
}
/** One directory of one snapshot as the ingest writes it. */
export type SnapshotDirRow = [
  dirId: number,
  listingId: number,
  itemCount: number,
  totalSize: number,
];
export interface DirNameRow {
  id: number;
  parentId: number;
  name: string;
}

function chunks<T>(xs: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

const json = (x: unknown) => JSON.stringify(x);
/** libsql hands BLOBs back as ArrayBuffer under Deno and as Buffer under Node. */
const bytes = (x: ArrayBuffer | Uint8Array) => (x instanceof Uint8Array ? x : new Uint8Array(x));
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

function toSnapshot(r: {
  seq: number;
  snapshot_id: string;
  host_id: string;
  repository_id: string;
  tool: "restic" | "borg";
  tool_snapshot_id: string;
  snapshot_time: number;
  entry_count: number;
  dir_count: number;
  total_size: number;
  skipped_lines: number;
  indexed_at: number | null;
}): IndexedSnapshot {
  return {
    seq: r.seq,
    id: r.snapshot_id,
    hostId: r.host_id,
    repositoryId: r.repository_id,
    tool: r.tool,
    toolSnapshotId: r.tool_snapshot_id,
    time: r.snapshot_time,
    entryCount: r.entry_count,
    dirCount: r.dir_count,
    totalSize: r.total_size,
    skippedLines: r.skipped_lines,
    indexedAt: r.indexed_at,
  };
}

/**
 * Inserts rows with multi-row VALUES statements, bound parameters and no query builder in
 * between: three times faster than json_each for bulk writes. The rows come flat, `width`
 * values each, so a million of them are one array rather than a million small ones.
 */
async function insertRows(
  db: Db,
  head: string,
  width: number,
  values: readonly unknown[],
  tail = "",
) {
  const count = values.length / width;
  const tuple = `(${new Array(width).fill("?").join(", ")})`;
  for (let i = 0; i < count;) {
    const size = INSERT_SIZES.find((n) => n <= count - i)!;
    const text = `${head} VALUES ${new Array(size).fill(tuple).join(", ")} ${tail}`;
    await db.executeQuery(CompiledQuery.raw(text, values.slice(i * width, (i + size) * width)));
    i += size;
  }
}

function queries(db: Db) {
  const rows = async <T>(q: RawBuilder<T>) => (await q.execute(db)).rows;
  const snapshots = () =>
    db.selectFrom("indexed_snapshots").selectAll().where("state", "=", "ready");
  /** The id of each name, in order (undefined where the index has no such name). */
  async function findNameIds(names: readonly string[]): Promise<(number | undefined)[]> {
    const out: (number | undefined)[] = new Array(names.length);
    let base = 0;
    for (const part of chunks(names)) {
      for (
        const r of await rows<{ i: number; id: number }>(sql`SELECT j.key AS i, n.id
          FROM json_each(${json(part)}) j CROSS JOIN index_names n ON n.name = j.value`)
      ) {
        out[base + r.i] = r.id;
      }
      base += part.length;
    }
    return out;
  }
  return {
    findNameIds,
    async insertLoadingSnapshot(m: SnapshotMeta, startedAt: number): Promise<number> {
      const r = await db.insertInto("indexed_snapshots").values({
        snapshot_id: m.id,
        host_id: m.hostId,
        repository_id: m.repositoryId,
        tool: m.tool,
        tool_snapshot_id: m.toolSnapshotId,
        snapshot_time: m.time,
        state: "loading",
        started_at: startedAt,
      }).executeTakeFirstOrThrow();
      return Number(r.insertId);
    },
    /** Hides the ready versions of a snapshot (for dropping) and returns their seqs. */
    async markDropping(snapshotId: string): Promise<number[]> {
      const r = await db.updateTable("indexed_snapshots").set({ state: "dropping" })
        .where("snapshot_id", "=", snapshotId).where("state", "=", "ready")
        .returning("seq").execute();
      return r.map((x) => x.seq);
    },
    async markReady(seq: number, s: SnapshotStats) {
      await db.updateTable("indexed_snapshots").set({
        state: "ready",
        entry_count: s.entryCount,
        dir_count: s.dirCount,
        total_size: s.totalSize,
        skipped_lines: s.skippedLines,
        indexed_at: s.indexedAt,
      }).where("seq", "=", seq).execute();
    },
    async seqsInState(state: IndexedSnapshotState): Promise<number[]> {
      const r = await db.selectFrom("indexed_snapshots").select("seq").where("state", "=", state)
        .execute();
      return r.map((x) => x.seq);
    },
    async deleteSnapshotRow(seq: number) {
      await db.deleteFrom("indexed_snapshots").where("seq", "=", seq).execute();
    },
    async findSnapshot(snapshotId: string): Promise<IndexedSnapshot | undefined> {
      const r = await snapshots().where("snapshot_id", "=", snapshotId).executeTakeFirst();
      return r && toSnapshot(r);
    },
    async listSnapshots(
      f: { hostId?: string; snapshotIds?: string[] },
    ): Promise<IndexedSnapshot[]> {
      let q = snapshots();
      if (f.hostId !== undefined) q = q.where("host_id", "=", f.hostId);
      if (f.snapshotIds !== undefined) {
        if (f.snapshotIds.length === 0) return [];
        q = q.where("snapshot_id", "in", f.snapshotIds);
      }
      return (await q.orderBy("snapshot_time", "desc").execute()).map(toSnapshot);
    },

    /** The largest ids in use, so that one writer can number what it inserts itself. */
    async maxIds(): Promise<{ name: number; dir: number; listing: number }> {
      const r = await rows<{ name: number; dir: number; listing: number }>(sql`SELECT
        (SELECT ifnull(max(id), 0) FROM index_names) AS name,
        (SELECT ifnull(max(id), 0) FROM index_dirs) AS dir,
        (SELECT ifnull(max(id), 0) FROM index_listings) AS listing`);
      return r[0];
    },
    /**
     * Inserts these names with the ids firstId, firstId + 1, … given in SQLite's name order, so
     * the table and its name index both grow at their ends; a name the index already has is
     * skipped and its id stays unused. Returns each name's new id in the order given, undefined
     * where it was skipped. One JSON array per chunk (binding 200,000 strings one by one costs
     * twice as much), the name order back as one JSON array, and no RETURNING (a row object
     * per inserted name cost more than the insert): only a chunk that did not insert every
     * name is checked for the ones it skipped.
     */
    async insertNames(firstId: number, names: readonly string[]): Promise<(number | undefined)[]> {
      const ids = new Array<number | undefined>(names.length);
      let base = firstId;
      for (const part of chunks(names, NAME_CHUNK)) {
        const [{ order }] = await rows<{ order: string }>(sql`SELECT
          json_group_array(key ORDER BY value) AS "order" FROM json_each(${json(part)})`);
        const sorted = JSON.parse(order) as number[];
        const list = json(sorted.map((k) => part[k]));
        const r = await sql`INSERT INTO index_names (id, name) SELECT ${base} + key, value
          FROM json_each(${list}) WHERE true ON CONFLICT (name) DO NOTHING`.execute(db);
        const at = base - firstId;
        sorted.forEach((k, rank) => ids[at + k] = base + rank);
        if (Number(r.numAffectedRows) < part.length) {
          for (
            const x of await rows<{ k: number }>(sql`SELECT key AS k FROM json_each(${list})
              WHERE NOT EXISTS (SELECT 1 FROM index_names WHERE id = ${base} + key)`)
          ) {
            ids[at + sorted[x.k]] = undefined;
          }
        }
        base += part.length;
      }
      return ids;
    },
    async namesById(ids: readonly number[]): Promise<Map<number, string>> {
      const out = new Map<number, string>();
      for (const part of chunks([...new Set(ids)])) {
        for (
          const r of await rows<{ id: number; name: string }>(sql`SELECT n.id, n.name
            FROM json_each(${json(part)}) j CROSS JOIN index_names n ON n.id = j.value`)
        ) {
          out.set(r.id, r.name);
        }
      }
      return out;
    },
    /** Names matching a LIKE (ESCAPE '\') or GLOB pattern, in id order after `afterId`. */
    matchNames(op: "like" | "glob", pattern: string, afterId: number, limit: number) {
      const test = op === "like"
        ? sql`name LIKE ${pattern} ESCAPE '\\'`
        : sql`name GLOB ${pattern}`;
      return rows<{ id: number; name: string }>(sql`SELECT id, name FROM index_names
        WHERE id > ${afterId} AND ${test} ORDER BY id LIMIT ${limit}`);
    },

    /** Directory nodes whose own name is this one or fits this GLOB pattern. */
    async dirsNamed(t: { op: "exact"; name: string } | { op: "glob" | "like"; pattern: string }) {
      const test = t.op === "exact"
        ? sql`n.name = ${t.name}`
        : t.op === "glob"
        ? sql`n.name GLOB ${t.pattern}`
        : sql`n.name LIKE ${t.pattern} ESCAPE '\\'`;
      const r = await rows<{ id: number }>(sql`SELECT d.id FROM index_dirs d
        JOIN index_names n ON n.id = d.name_id WHERE ${test} ORDER BY d.id`);
      return r.map((x) => x.id);
    },
    async findDirIds(pairs: readonly Pair[]): Promise<(number | undefined)[]> {
      const out: (number | undefined)[] = new Array(pairs.length);
      let base = 0;
      for (const part of chunks(pairs)) {
        for (
          const r of await rows<{ i: number; id: number }>(sql`SELECT j.key AS i, d.id
            FROM json_each(${json(part)}) j CROSS JOIN index_dirs d
            ON d.parent_id = j.value ->> 0 AND d.name_id = j.value ->> 1`)
        ) out[base + r.i] = r.id;
        base += part.length;
      }
      return out;
    },
    /** New directory nodes: [id, parent id, name id]. */
    insertDirs(dirs: readonly [number, number, number][]) {
      return insertRows(db, "INSERT INTO index_dirs (id, parent_id, name_id)", 3, dirs.flat());
    },
    /** The id of the directory at these names from the root (0), if the index has it. */
    async resolveDir(names: readonly string[]): Promise<number | undefined> {
      if (names.length === 0) return 0;
      const ids = await findNameIds(names);
      if (ids.includes(undefined)) return undefined;
      const r = await rows<{ i: number; id: number }>(sql`WITH RECURSIVE
        walk(i, id) AS (SELECT -1, 0 UNION ALL
          SELECT walk.i + 1, d.id FROM walk CROSS JOIN index_dirs d
          ON d.parent_id = walk.id AND d.name_id = (${json(ids)} ->> (walk.i + 1)))
        SELECT max(i) AS i, id FROM walk`);
      return r[0]?.i === names.length - 1 ? r[0].id : undefined;
    },
    async dirsById(ids: readonly number[]): Promise<DirNameRow[]> {
      const out: DirNameRow[] = [];
      for (const part of chunks(ids)) {
        out.push(
          ...await rows<DirNameRow>(sql`SELECT d.id, d.parent_id AS "parentId", n.name
          FROM json_each(${json(part)}) j CROSS JOIN index_dirs d ON d.id = j.value
          JOIN index_names n ON n.id = d.name_id`),
        );
      }
      return out;
    },

    async findListingIds(hashes: readonly Uint8Array[]): Promise<(number | undefined)[]> {
      const out: (number | undefined)[] = new Array(hashes.length);
      let base = 0;
      for (const part of chunks(hashes.map(hex))) {
        for (
          const r of await rows<{ i: number; id: number }>(sql`SELECT j.key AS i, l.id
            FROM json_each(${json(part)}) j CROSS JOIN index_listings l
            ON l.hash = unhex(j.value)`)
        ) out[base + r.i] = r.id;
        base += part.length;
      }
      return out;
    },
    insertListings(
      ls: readonly { id: number; hash: Uint8Array; data: Uint8Array; entryCount: number }[],
    ) {
      return insertRows(
        db,
        "INSERT INTO index_listings (id, hash, entry_count, data)",
        4,
        ls.flatMap((l) => [l.id, l.hash, l.entryCount, l.data]),
      );
    },
    async listingData(ids: readonly number[]): Promise<Map<number, Uint8Array>> {
      const out = new Map<number, Uint8Array>();
      for (const part of chunks([...new Set(ids)], 500)) {
        for (
          const r of await rows<{ id: number; data: ArrayBuffer }>(sql`SELECT l.id, l.data
            FROM json_each(${json(part)}) j CROSS JOIN index_listings l ON l.id = j.value`)
        ) {
          out.set(r.id, bytes(r.data));
        }
      }
      return out;
    },
    async deleteListings(ids: readonly number[]) {
      for (const part of chunks(ids)) {
        await sql`DELETE FROM index_listings WHERE id IN (SELECT value FROM json_each(${
          json(part)
        }))`
          .execute(db);
      }
    },
    /** Of these listing ids, those no snapshot directory uses any more. */
    async unusedListings(ids: readonly number[]): Promise<number[]> {
      const out: number[] = [];
      for (const part of chunks([...new Set(ids)])) {
        for (
          const r of await rows<{ id: number }>(sql`SELECT value AS id
            FROM json_each(${json(part)}) j WHERE NOT EXISTS
            (SELECT 1 FROM index_snapshot_dirs s WHERE s.listing_id = j.value)`)
        ) out.push(r.id);
      }
      return out;
    },

    /** For each (dir, listing) pair: does any snapshot have this directory with this listing? */
    async pairsInUse(pairs: readonly Pair[]): Promise<boolean[]> {
      const out = new Array<boolean>(pairs.length).fill(false);
      let base = 0;
      for (const part of chunks(pairs)) {
        for (
          const r of await rows<{ i: number }>(sql`SELECT j.key AS i
            FROM json_each(${json(part)}) j WHERE EXISTS (SELECT 1 FROM index_snapshot_dirs s
            WHERE s.dir_id = j.value ->> 0 AND s.listing_id = j.value ->> 1)`)
        ) out[base + r.i] = true;
        base += part.length;
      }
      return out;
    },
    insertSnapshotDirs(seq: number, dirs: readonly SnapshotDirRow[]) {
      return insertRows(
        db,
        "INSERT INTO index_snapshot_dirs (snapshot_seq, dir_id, listing_id, item_count, total_size)",
        5,
        dirs.flatMap((d) => [seq, ...d]),
      );
    },
    async snapshotDir(seq: number, dirId: number): Promise<DirRow | undefined> {
      const r = await db.selectFrom("index_snapshot_dirs").selectAll()
        .where("snapshot_seq", "=", seq).where("dir_id", "=", dirId).executeTakeFirst();
      return r && {
        seq,
        dirId,
        listingId: r.listing_id,
        itemCount: r.item_count,
        totalSize: r.total_size,
      };
    },
    /** Totals of the child directories of `parentId` in snapshot `seq`, by their name id. */
    async childDirTotals(seq: number, parentId: number): Promise<Map<number, DirTotals>> {
      const r = await rows<DirTotals & { nameId: number }>(sql`SELECT d.name_id AS "nameId",
        s.item_count AS "itemCount", s.total_size AS "totalSize" FROM index_dirs d
        CROSS JOIN index_snapshot_dirs s ON s.snapshot_seq = ${seq} AND s.dir_id = d.id
        WHERE d.parent_id = ${parentId}`);
      return new Map(r.map((x) => [x.nameId, x]));
    },
    /** Rows of the directories named (parent id, name id), in any snapshot. */
    async dirRowsByName(
      pairs: readonly Pair[],
    ): Promise<(DirRow & { parentId: number; nameId: number })[]> {
      const out: (DirRow & { parentId: number; nameId: number })[] = [];
      for (const part of chunks(pairs, 2000)) {
        out.push(
          ...await rows<DirRow & { parentId: number; nameId: number }>(sql`SELECT
            d.parent_id AS "parentId", d.name_id AS "nameId", s.snapshot_seq AS seq,
            s.dir_id AS "dirId", s.listing_id AS "listingId", s.item_count AS "itemCount",
            s.total_size AS "totalSize" FROM json_each(${json(part)}) j CROSS JOIN index_dirs d
            ON d.parent_id = j.value ->> 0 AND d.name_id = j.value ->> 1
            JOIN index_snapshot_dirs s ON s.dir_id = d.id`),
        );
      }
      return out;
    },
    /** A snapshot's directories in dir id order, from `afterDirId`, at most `limit`. */
    async snapshotDirs(seq: number, afterDirId = -1, limit = -1): Promise<Pair[]> {
      const r = await rows<{ d: number; l: number }>(sql`SELECT dir_id AS d, listing_id AS l
        FROM index_snapshot_dirs WHERE snapshot_seq = ${seq} AND dir_id > ${afterDirId}
        ORDER BY dir_id LIMIT ${limit}`);
      return r.map((x) => [x.d, x.l]);
    },
    async deleteSnapshotDirs(seq: number, upToDirId: number) {
      await db.deleteFrom("index_snapshot_dirs").where("snapshot_seq", "=", seq)
        .where("dir_id", "<=", upToDirId).execute();
    },
    /** Every (snapshot, dir, listing) row of these directories, optionally in these snapshots. */
    async dirRows(dirIds: readonly number[], seqs?: readonly number[]): Promise<DirRow[]> {
      const out: DirRow[] = [];
      const only = seqs
        ? sql`AND s.snapshot_seq IN (SELECT value FROM json_each(${json(seqs)}))`
        : sql.raw("");
      for (const part of chunks([...new Set(dirIds)], 2000)) {
        out.push(
          ...await rows<DirRow>(sql`SELECT s.snapshot_seq AS seq, s.dir_id AS "dirId",
            s.listing_id AS "listingId" FROM json_each(${json(part)}) j
            CROSS JOIN index_snapshot_dirs s ON s.dir_id = j.value ${only}`),
        );
      }
      return out;
    },

    /** (name, dir) pairs: in which directories each name occurs in some snapshot. */
    async childrenNamed(nameIds: readonly number[]): Promise<Pair[]> {
      const out: Pair[] = [];
      for (const part of chunks(nameIds)) {
        for (
          const r of await rows<{ n: number; d: number }>(sql`SELECT c.name_id AS n, c.dir_id AS d
            FROM json_each(${json(part)}) j CROSS JOIN index_children c ON c.name_id = j.value`)
        ) {
          out.push([r.n, r.d]);
        }
      }
      return out;
    },
    /** (name id, dir id) pairs, flat: name, dir, name, dir, … */
    insertChildren(pairs: readonly number[]) {
      return insertRows(
        db,
        "INSERT INTO index_children (name_id, dir_id)",
        2,
        pairs,
        "ON CONFLICT DO NOTHING",
      );
    },
    async deleteChildren(pairs: readonly Pair[]) {
      for (const part of chunks(pairs)) {
        await sql`DELETE FROM index_children WHERE (name_id, dir_id) IN
          (SELECT value ->> 0, value ->> 1 FROM json_each(${json(part)}))`.execute(db);
      }
    },
    /** Deletes those of these directories that no snapshot has any more. */
    async deleteUnusedDirs(ids: readonly number[]) {
      for (const part of chunks(ids)) {
        await sql`DELETE FROM index_dirs WHERE id IN (SELECT value FROM json_each(${json(part)}))
          AND NOT EXISTS (SELECT 1 FROM index_snapshot_dirs s WHERE s.dir_id = index_dirs.id)`
          .execute(db);
      }
    },
    /** Deletes those of these names no directory holds any more (a directory's own name is held
     * by its parent, so index_children covers index_dirs). */
    async deleteUnusedNames(ids: readonly number[]) {
      for (const part of chunks(ids)) {
        await sql`DELETE FROM index_names WHERE id IN (SELECT value FROM json_each(${json(part)}))
          AND NOT EXISTS (SELECT 1 FROM index_children c WHERE c.name_id = index_names.id)`
          .execute(db);
      }
    },
    /**
     * Deletes the names with ids in [from, to) that no directory holds: after a crash, those an
     * ingest had numbered ahead of its batches. Returns how many it deleted.
     */
    async deleteOrphanNames(from: number, to: number): Promise<number> {
      const r = await sql`DELETE FROM index_names WHERE id >= ${from} AND id < ${to}
        AND NOT EXISTS (SELECT 1 FROM index_children c WHERE c.name_id = index_names.id)`
        .execute(db);
      return Number(r.numAffectedRows);
    },
    /**
     * Runs `fn` (many batch transactions) with the WAL's automatic checkpoint off, then
     * restores it and checkpoints once. Checkpointing after every batch wrote the hot pages of
     * the indexes again and again: a million-entry ingest spent 2 s in commits instead of 0.8.
     */
    async withCheckpointsDeferred<T>(fn: () => Promise<T>): Promise<T> {
      const r = await rows<{ wal_autocheckpoint: number }>(sql`PRAGMA wal_autocheckpoint`);
      const before = Number(r[0]?.wal_autocheckpoint ?? 1000);
      await sql`PRAGMA wal_autocheckpoint = 0`.execute(db);
      try {
        return await fn();
      } finally {
        await sql.raw(`PRAGMA wal_autocheckpoint = ${before}`).execute(db);
        await sql`PRAGMA wal_checkpoint(PASSIVE)`.execute(db);
      }
    },
    async tableCounts(): Promise<Record<string, number>> {
      const r = await rows<Record<string, number>>(sql`SELECT
        (SELECT count(*) FROM index_names) AS names, (SELECT count(*) FROM index_dirs) AS dirs,
        (SELECT count(*) FROM index_children) AS children,
        (SELECT count(*) FROM index_listings) AS listings,
        (SELECT count(*) FROM index_snapshot_dirs) AS "snapshotDirs",
        (SELECT count(*) FROM indexed_snapshots) AS snapshots`);
      return r[0];
    },
  };
}

/** The queries, as seen inside a transaction. */
export type SnapshotIndexQueries = ReturnType<typeof queries>;

export function createSnapshotIndexRepo(db: Db) {
  return {
    ...queries(db),
    /** Runs `fn` in one write transaction; `fn` must use only the queries it is given. */
    transaction<T>(fn: (tx: SnapshotIndexQueries) => Promise<T>): Promise<T> {
      return db.transaction().execute((trx) => fn(queries(trx)));
    },
  };
}

export type SnapshotIndexRepo = ReturnType<typeof createSnapshotIndexRepo>;
