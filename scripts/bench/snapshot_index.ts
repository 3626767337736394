/**
 * Snapshot file index figures (issue 6): ingest rate, directory listing latency, search latency
 * over many snapshots, bytes per entry, diff and drop times, on a synthetic but realistic tree
 * (deep and wide directories, common and unique names, one directory of 100,000 children) and
 * a series of snapshots that each differ from the previous one by about 1 % of entries.
 *
 *   npx deno run -A scripts/bench/snapshot_index.ts
 *   CAIRN_BENCH_ENTRIES=100000 CAIRN_BENCH_SNAPSHOTS=3 npx deno run -A scripts/bench/snapshot_index.ts
 *
 * Env: CAIRN_BENCH_ENTRIES (1,000,000), CAIRN_BENCH_SNAPSHOTS (10), CAIRN_BENCH_BIG_DIR
 * (100,000), CAIRN_BENCH_CHANGE (0.01), CAIRN_BENCH_FIRST_RUNS (3: the first snapshot's ingest is
 * timed this many times, each into a new database, and the median reported, since one run on a
 * shared machine swings by 15 %), CAIRN_BENCH_LINES (1: also re-index the last snapshot
 * from restic JSON lines). Runs with the appliance's settings (WAL, synchronous=FULL).
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { sql } from "kysely";
import { openDb } from "../../server/db/connect.ts";
import { defaultMigrationsDir, loadMigrations, migrate } from "../../server/db/migrate.ts";
import type { Entry } from "../../server/snapshot_index/entry.ts";
import { createSnapshotIndexRepo } from "../../server/snapshot_index/repo.ts";
import { createSnapshotIndexService } from "../../server/snapshot_index/service.ts";

const env = (k: string, d: number) => Number(Deno.env.get(k) ?? d);
const N = env("CAIRN_BENCH_ENTRIES", 1_000_000);
const SNAPS = env("CAIRN_BENCH_SNAPSHOTS", 10);
const BIG = Math.min(env("CAIRN_BENCH_BIG_DIR", 100_000), Math.floor(N / 5));
const CHANGE = env("CAIRN_BENCH_CHANGE", 0.01);
const LINES = env("CAIRN_BENCH_LINES", 1) === 1;
const FIRST_RUNS = Math.max(1, env("CAIRN_BENCH_FIRST_RUNS", 3));
const T0 = Date.UTC(2026, 5, 1);

let seed = 42;
function rand(): number { // mulberry32: the same tree on every run
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];

const WORDS =
  ("alpha beta cache config data debug docs draft photo report invoice build test main " +
    "index utils model view server client module vendor assets style image backup notes music " +
    "video archive export import summary budget plan design draft final old new temp user").split(
      " ",
    );
const EXTS = [
  "txt",
  "md",
  "js",
  "ts",
  "py",
  "go",
  "json",
  "yaml",
  "conf",
  "log",
  "jpg",
  "png",
  "pdf",
  "so",
  "h",
  "c",
];
const COMMON_FILES = Array.from(
  { length: 3000 },
  (_, i) => `${WORDS[i % 47]}_${WORDS[(i * 7) % 47]}.${EXTS[i % 16]}`,
)
  .concat([
    "README.md",
    "LICENSE",
    "Makefile",
    "package.json",
    "__init__.py",
    ".gitignore",
    "index.js",
  ]);
const COMMON_DIRS =
  "src lib test docs assets build cache node_modules vendor config data logs tmp img bin include pkg internal cmd scripts static templates"
    .split(" ");

let unique = 0;
function entry(path: string, type: Entry["type"], owner: number): Entry {
  const dir = type === "dir";
  return {
    path,
    type,
    size: dir ? 0 : Math.floor(Math.exp(rand() * 16)),
    mtime: T0 - Math.floor(rand() * 3 * 365 * 86400_000),
    mode: dir ? 0o755 : rand() < 0.05 ? 0o755 : 0o644,
    uid: owner,
    gid: owner,
    user: owner ? `user${owner - 1000}` : "root",
    group: owner ? `user${owner - 1000}` : "root",
    linkTarget: type === "symlink" ? `../${pick(WORDS)}/${pick(COMMON_FILES)}` : null,
  };
}

/** The first snapshot's entries: a fixed skeleton, a big photo inbox, then random subtrees. */
function baseTree(): Entry[] {
  const out: Entry[] = [];
  const add = (p: string, t: Entry["type"], o = 0) => out.push(entry(p, t, o));
  for (
    const d of [
      "/etc",
      "/etc/nginx",
      "/etc/nginx/sites-enabled",
      "/srv",
      "/srv/photos",
      "/srv/photos/inbox",
    ]
  ) add(d, "dir");
  add("/etc/nginx/nginx.conf", "file");
  for (let i = 0; i < 20; i++) add(`/etc/nginx/sites-enabled/site${i}.conf`, "file");
  for (let i = 0; i < BIG; i++) {
    add(`/srv/photos/inbox/IMG_${String(i).padStart(6, "0")}.jpg`, "file", 1001);
  }
  let deep = "/home";
  for (let i = 0; i < 40 && out.length < N; i++) add(deep += `/level${i}`, "dir", 1002);
  const queue: { path: string; depth: number; owner: number }[] = [];
  for (let u = 0; u < 20; u++) queue.push({ path: `/home/user${u}`, depth: 1, owner: 1000 + u });
  queue.push({ path: "/var/lib", depth: 1, owner: 0 }, { path: "/usr/share", depth: 1, owner: 0 });
  for (let q = 0; q < queue.length && out.length < N; q++) {
    const { path, depth, owner } = queue[q];
    add(path, "dir", owner);
    const files = Math.floor(rand() * rand() * 40);
    for (let i = 0; i < files && out.length < N; i++) {
      const name = rand() < 0.4 ? pick(COMMON_FILES) : `${pick(WORDS)}-${unique++}.${pick(EXTS)}`;
      add(`${path}/${name}`, rand() < 0.02 ? "symlink" : "file", owner);
    }
    const dirs = depth > 14 ? 0 : Math.floor(rand() * (depth < 5 ? 4 : 2.6));
    for (let i = 0; i < dirs; i++) {
      const name = rand() < 0.5 ? pick(COMMON_DIRS) : `${pick(WORDS)}-${unique++}`;
      queue.push({ path: `${path}/${name}`, depth: depth + 1, owner });
    }
    if (q === queue.length - 1 && out.length < N) {
      queue.push({ path: `/opt/more${unique++}`, depth: 1, owner: 0 });
    }
  }
  return dedupe(out);
}

function dedupe(xs: Entry[]): Entry[] {
  const seen = new Set<string>();
  return xs.filter((x) => !seen.has(x.path) && seen.add(x.path));
}

/** The next snapshot: about CHANGE of the entries modified, deleted or added. */
function mutate(prev: Entry[], k: number): Entry[] {
  const next = prev.slice();
  const changes = Math.round(prev.length * CHANGE);
  const gone = new Set<number>();
  for (let i = 0; i < changes; i++) {
    const at = Math.floor(rand() * next.length);
    const e = next[at];
    if (e.type === "dir") continue;
    const r = rand();
    if (r < 0.6) {
      next[at] = { ...e, size: Math.floor(e.size * (0.5 + rand())) + 1, mtime: T0 + k * 86400_000 };
    } else if (r < 0.8) gone.add(at);
    else {next.push({
        ...e,
        path: `${e.path.slice(0, e.path.lastIndexOf("/"))}/new-${k}-${i}.log`,
        mtime: T0 + k * 86400_000,
      });}
  }
  return next.filter((_, i) => !gone.has(i));
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
function row(
  name: string,
  value: number,
  unit: string,
  target: number | null,
  better: "lower" | "higher",
) {
  const t = target === null
    ? "(no target)"
    : `target ${better === "lower" ? "<" : "≥"} ${target} ${unit}  ratio ${
      (value / target).toFixed(2)
    }  ${(better === "lower" ? value < target : value >= target) ? "PASS" : "MISS"}`;
  console.log(`${name.padEnd(52)} ${value.toFixed(1).padStart(10)} ${unit.padEnd(9)} ${t}`);
}
async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

const base = await mkdtemp(join(tmpdir(), "cairn-bench-index-"));
console.log(
  `load average at start: ${loadavg().map((x) => x.toFixed(2)).join(" ")} (2 cores, shared)`,
);
try {
  const file = join(base, "cairn.db");
  await migrate(file, await loadMigrations(defaultMigrationsDir()));
  const { db, close } = openDb(file);
  const repo = createSnapshotIndexRepo(db);
  const clock = { now: () => Date.now() };
  const service = createSnapshotIndexService({ repo, clock });
  const meta = (k: number) => ({
    id: `snp_bench${String(k).padStart(4, "0")}`,
    hostId: "hst_bench",
    repositoryId: "rep_bench",
    tool: "restic" as const,
    toolSnapshotId: `tool${k}`,
    time: T0 + k * 86400_000,
  });

  let snap = baseTree();
  console.log(
    `tree: ${snap.length} entries, ${
      snap.filter((e) => e.type === "dir").length
    } directories, ${BIG} in the big one`,
  );
  /** Ingests the first snapshot into a database of its own, which it then deletes. */
  const firstIntoScratch = async (run: number): Promise<number> => {
    const scratch = join(base, `first-${run}.db`);
    await migrate(scratch, await loadMigrations(defaultMigrationsDir()));
    const own = openDb(scratch);
    const s = createSnapshotIndexService({ repo: createSnapshotIndexRepo(own.db), clock });
    const [ms, r] = await timed(() => s.ingestSnapshot({ snapshot: meta(1), entries: snap }));
    await own.close();
    for (const x of ["", "-wal", "-shm"]) await rm(scratch + x, { force: true });
    console.log(`  first snapshot, run ${run}: ${r.entries} entries in ${ms.toFixed(0)} ms`);
    return r.entries / (ms / 1000);
  };
  const firstRates: number[] = [];
  for (let run = 2; run <= FIRST_RUNS; run++) firstRates.push(await firstIntoScratch(run));

  const rates: number[] = [];
  let totalEntries = 0;
  let last = snap;
  for (let k = 1; k <= SNAPS; k++) {
    if (k > 1) snap = mutate(snap, k);
    const cpu0 = process.cpuUsage();
    const [ms, r] = await timed(() => service.ingestSnapshot({ snapshot: meta(k), entries: snap }));
    const cpu = process.cpuUsage(cpu0);
    rates.push(r.entries / (ms / 1000));
    totalEntries += r.entries;
    last = snap;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    console.log(
      `  snapshot ${k}: ${r.entries} entries in ${ms.toFixed(0)} ms (cpu ${
        cpuMs.toFixed(0)
      } ms), ` +
        `listings +${r.listingsAdded} reused ${r.listingsReused}`,
    );
  }
  firstRates.push(rates[0]);
  row(
    `ingest, first snapshot (median of ${firstRates.length})`,
    percentile(firstRates, 0.5),
    "entries/s",
    100_000,
    "higher",
  );
  if (firstRates.length > 1) {
    console.log(
      `  first snapshot runs: ${
        [...firstRates].sort((a, b) => a - b).map((x) => x.toFixed(0)).join(", ")
      } entries/s`,
    );
  }
  if (SNAPS > 1) {
    row(
      "ingest, similar snapshots (mean)",
      rates.slice(1).reduce((a, b) => a + b) / (SNAPS - 1),
      "entries/s",
      100_000,
      "higher",
    );
  }

  await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
  const size = (await stat(file)).size;
  row(
    `database bytes per entry (${SNAPS} snapshots, ${(size / 1e6).toFixed(0)} MB)`,
    size / totalEntries,
    "bytes",
    60,
    "lower",
  );
  const tables = await sql<
    { name: string; bytes: number }
  >`SELECT name, sum(pgsize) AS bytes FROM dbstat
    WHERE name LIKE 'index_%' OR name LIKE 'indexed_%' OR name LIKE 'sqlite_autoindex_index%' GROUP BY name ORDER BY bytes DESC`
    .execute(db);
  console.log(
    "  " + tables.rows.map((t) => `${t.name} ${(t.bytes / 1e6).toFixed(1)} MB`).join(", "),
  );

  // Re-index first, then let go of the synthetic snapshots: the queries below should run in a
  // process the size of a server, not one holding ten million-entry arrays (GC pauses).
  if (LINES) {
    const lines = [
      JSON.stringify({
        struct_type: "snapshot",
        id: "x".repeat(64),
        time: new Date(T0).toISOString(),
      }),
    ]
      .concat(
        last.map((e) =>
          JSON.stringify({
            name: e.path.slice(e.path.lastIndexOf("/") + 1),
            type: e.type,
            path: e.path,
            uid: e.uid,
            gid: e.gid,
            user: e.user,
            group: e.group,
            linktarget: e.linkTarget ?? undefined,
            size: e.type === "dir" ? undefined : e.size,
            mode: e.type === "dir" ? 2 ** 31 + e.mode : e.mode,
            mtime: new Date(e.mtime!).toISOString(),
            struct_type: "node",
          })
        ),
      );
    const lineCount = lines.length;
    const [ms] = await timed(() =>
      service.ingestListing({ snapshot: meta(SNAPS), format: "restic", lines })
    );
    row(
      "re-index last snapshot from restic ls lines (parse+replace)",
      lineCount / (ms / 1000),
      "lines/s",
      100_000,
      "higher",
    );
  }
  const dirs = last.filter((e) => e.type === "dir").map((e) => e.path);
  snap = last = [];
  const cold = () => createSnapshotIndexService({ repo, clock });
  const lister = cold();
  const lat: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const sort = pick(["name", "size", "mtime"] as const);
    const [ms] = await timed(() =>
      lister.listDirectory({ snapshotId: meta(SNAPS).id, path: pick(dirs), sort, limit: 200 })
    );
    lat.push(ms);
  }
  row("list a random directory, p50 (2000 lists)", percentile(lat, 0.5), "ms", 50, "lower");
  row("list a random directory, p99", percentile(lat, 0.99), "ms", 50, "lower");
  const big: number[] = [];
  for (
    const o of [{ sort: "name" }, { sort: "size", order: "desc" }, {
      sort: "mtime",
      offset: BIG / 2,
    }] as const
  ) {
    big.push(
      (await timed(() =>
        cold().listDirectory({
          snapshotId: meta(SNAPS).id,
          path: "/srv/photos/inbox",
          limit: 200,
          ...o,
        })
      ))[0],
    );
  }
  row(`list the ${BIG}-child directory, worst cold page`, Math.max(...big), "ms", 50, "lower");
  const warm = cold();
  await warm.listDirectory({ snapshotId: meta(SNAPS).id, path: "/srv/photos/inbox", sort: "size" });
  row(
    `  same, next page from the warm cache`,
    (await timed(() =>
      warm.listDirectory({
        snapshotId: meta(SNAPS).id,
        path: "/srv/photos/inbox",
        sort: "size",
        offset: 200,
      })
    ))[0],
    "ms",
    50,
    "lower",
  );

  for (
    const [label, query] of [
      ["exact path", "/etc/nginx/nginx.conf"],
      ["name substring", "nginx"],
      ["common substring", "report"],
      ["glob *.conf", "*.conf"],
      ["glob **/nginx/*.conf", "**/nginx/*.conf"],
    ]
  ) {
    const searcher = cold();
    const runs: number[] = [];
    let hits = 0;
    for (let i = 0; i < 5; i++) {
      const [ms, r] = await timed(() =>
        searcher.search({ hostId: "hst_bench", query, limit: 100 })
      );
      runs.push(ms);
      hits = r.matches.reduce((s, m) => s + m.versions.length, 0);
    }
    row(
      `search ${label} over ${SNAPS} snapshots (cold, ${hits} hits)`,
      runs[0],
      "ms",
      300,
      "lower",
    );
  }
  if (SNAPS > 1) {
    const [d1, r1] = await timed(() =>
      cold().diff({ fromSnapshotId: meta(SNAPS - 1).id, toSnapshotId: meta(SNAPS).id, limit: 1000 })
    );
    row(
      `diff consecutive snapshots (${r1.summary.added}+ ${r1.summary.removed}- ${r1.summary.changed}~)`,
      d1,
      "ms",
      null,
      "lower",
    );
    const [d2, r2] = await timed(() =>
      cold().diff({ fromSnapshotId: meta(1).id, toSnapshotId: meta(SNAPS).id, limit: 1000 })
    );
    row(
      `diff first and last (${r2.summary.added}+ ${r2.summary.removed}- ${r2.summary.changed}~)`,
      d2,
      "ms",
      null,
      "lower",
    );
  }
  const [dropMs, dropped] = await timed(() => service.dropSnapshot(meta(1).id));
  row(
    `drop the oldest snapshot (${dropped.listingsDeleted} listings freed)`,
    dropMs,
    "ms",
    null,
    "lower",
  );
  await close();
} finally {
  await rm(base, { recursive: true, force: true });
}
console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
