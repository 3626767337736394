/**
 * The index against a plain in-memory model: random trees (few distinct names, so directories
 * share names and listings), random changes between snapshots, then every directory of every
 * snapshot, the diffs, exact-path searches and the garbage left after drops are compared.
 */
import assert from "node:assert/strict";
import type { Entry } from "./entry.ts";
import { e, meta, openIndex, T0 } from "./testdata/index_fixture.ts";

type Model = Map<string, Entry>;

function random(seed: number) {
  let s = seed;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

const NAMES = ["a", "b", "c", "ü é", "new\nline", "x.conf", "y.conf", "nginx"];

function grow(rand: () => number, n: number): Model {
  const m: Model = new Map();
  const dirs = ["/"];
  while (m.size < n) {
    const parent = dirs[Math.floor(rand() * dirs.length)];
    const path = `${parent === "/" ? "" : parent}/${NAMES[Math.floor(rand() * NAMES.length)]}`;
    if (
      m.has(path) || [...m.keys()].some((p) => path.startsWith(p + "/") && m.get(p)!.type !== "dir")
    ) continue;
    const dir = rand() < 0.3;
    m.set(
      path,
      e(path, dir ? "dir" : "file", dir ? 0 : Math.floor(rand() * 100), {
        mtime: T0 + Math.floor(rand() * 5),
      }),
    );
    if (dir) dirs.push(path);
  }
  return m;
}

function change(rand: () => number, before: Model): Model {
  const m: Model = new Map(before);
  for (const [path, x] of before) {
    const r = rand();
    if (r < 0.1) {
      for (const p of m.keys()) {
        p === path || p.startsWith(path + "/") ? m.delete(p) : 0;
      }
    } else if (r < 0.2 && x.type === "file") {
      m.set(path, { ...x, size: x.size + 1 + Math.floor(rand() * 9) });
    } else if (r < 0.25) m.set(path, { ...x, mode: 0o600 });
  }
  for (const [path, x] of grow(rand, 8)) {
    if (!m.has(path) && x.type === "file") {
      m.set(`/fresh${path}`, { ...x, path: `/fresh${path}` });
    }
  }
  return m;
}

/** Every directory of a model (implicit ones too) with its direct children. */
function dirsOf(m: Model): Map<string, Entry[]> {
  const out = new Map<string, Entry[]>([["/", []]]);
  const ensure = (dir: string): Entry[] => {
    let list = out.get(dir);
    if (list) return list;
    out.set(dir, list = []);
    const cut = dir.lastIndexOf("/");
    const parent = ensure(cut === 0 ? "/" : dir.slice(0, cut));
    if (!m.has(dir)) {
      parent.push({
        ...e(dir, "dir"),
        mtime: null,
        mode: 0,
        uid: null,
        gid: null,
        user: null,
        group: null,
      });
    }
    return list;
  };
  for (const x of m.values()) {
    const cut = x.path.lastIndexOf("/");
    ensure(cut === 0 ? "/" : x.path.slice(0, cut)).push(x);
    if (x.type === "dir") ensure(x.path);
  }
  return out;
}

function total(dirs: Map<string, Entry[]>, dir: string): number {
  return dirs.get(dir)!.reduce((s, x) => s + (x.type === "dir" ? total(dirs, x.path) : x.size), 0);
}

Deno.test("random snapshots: listings, diffs, searches and garbage match a plain model", async () => {
  await using ix = await openIndex({ cacheEntries: 50 });
  for (let round = 1; round <= 3; round++) {
    const rand = random(round * 7919);
    const snaps = [grow(rand, 60)];
    snaps.push(change(rand, snaps[0]), change(rand, snaps[0]));
    const ids = snaps.map((_, k) => `snp_r${round}s${k}`);
    for (const [k, m] of snaps.entries()) {
      await ix.service.ingestSnapshot({
        snapshot: meta(ids[k], { time: T0 + k }),
        entries: [...m.values()],
      });
    }
    for (const [k, m] of snaps.entries()) {
      const dirs = dirsOf(m);
      for (const [dir, children] of dirs) {
        const page = await ix.service.listDirectory({
          snapshotId: ids[k],
          path: dir,
          foldersFirst: false,
          limit: 1000,
        });
        const want = children.map((x) => [
          x.path,
          x.type,
          x.type === "dir" ? total(dirs, x.path) : x.size,
          x.mtime,
          x.mode,
          x.type === "dir" ? dirs.get(x.path)!.length : null,
        ]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
        assert.deepEqual(
          page.entries.map((x) => [x.path, x.type, x.size, x.mtime, x.mode, x.itemCount]),
          want,
          `${ids[k]} ${dir}`,
        );
        assert.equal(page.totalSize, total(dirs, dir));
      }
    }
    const [a, b] = [dirsOf(snaps[0]), dirsOf(snaps[2])];
    const flat = (d: Map<string, Entry[]>) =>
      new Map([...d.values()].flat().map((x) => [x.path, x]));
    const [fa, fb] = [flat(a), flat(b)];
    const want: string[] = [];
    for (const [p, x] of fb) {
      const y = fa.get(p);
      if (!y) want.push(`added ${p}`);
      else if (y.type !== x.type || y.mode !== x.mode || (x.type !== "dir" && y.size !== x.size)) {
        want.push(`changed ${p}`);
      }
    }
    for (const p of fa.keys()) if (!fb.has(p)) want.push(`removed ${p}`);
    const d = await ix.service.diff({
      fromSnapshotId: ids[0],
      toSnapshotId: ids[2],
      limit: 10_000,
    });
    assert.deepEqual(
      d.entries.map((x) => `${x.change} ${x.path}`).sort(),
      want.sort(),
      `diff round ${round}`,
    );
    assert.equal(d.summary.bytesAdded - d.summary.bytesRemoved, total(b, "/") - total(a, "/"));
    for (const path of [...fa.keys()].slice(0, 8)) {
      const r = await ix.service.search({ query: path, kind: "path", snapshotIds: ids });
      const sizes = snaps.map((m, k) => [k, m.get(path)]).filter(([, x]) =>
        x && (x as Entry).type !== "dir"
      );
      if (sizes.length === 0) continue;
      assert.deepEqual(
        r.matches[0].versions.map((v) => [v.snapshotId, v.size]).sort(),
        sizes.map(([k, x]) => [ids[k as number], (x as Entry).size]).sort(),
        path,
      );
    }
  }
  await ix.service.dropSnapshot("snp_r1s0");
  await ix.service.dropSnapshot("snp_r2s1");
  await using fresh = await openIndex();
  for (const s of await ix.service.listSnapshots({})) {
    const entries: Entry[] = [];
    const walk = async (path: string) => {
      const page = await ix.service.listDirectory({ snapshotId: s.id, path, limit: 1000 });
      for (const x of page.entries) {
        if (x.mtime !== null || x.type !== "dir") {
          entries.push(
            e(x.path, x.type, x.type === "dir" ? 0 : x.size, { mtime: x.mtime, mode: x.mode }),
          );
        }
        if (x.type === "dir") await walk(x.path);
      }
    };
    await walk("/");
    await fresh.service.ingestSnapshot({ snapshot: meta(s.id, { time: s.time }), entries });
  }
  assert.deepEqual(await ix.repo.tableCounts(), await fresh.repo.tableCounts());
  for (const s of await ix.service.listSnapshots({})) await ix.service.dropSnapshot(s.id);
  assert.deepEqual(Object.values(await ix.repo.tableCounts()), [0, 0, 0, 0, 0, 0]);
});
