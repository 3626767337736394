import assert from "node:assert/strict";
import { AppError } from "../errors.ts";
import { e, meta, openIndex, T0 } from "./testdata/index_fixture.ts";
import { DEEP, LONG_NAME, realListings } from "./testdata/real_listings.ts";
import type { SnapshotIndexQueries } from "./repo.ts";
import { createSnapshotIndexService } from "./service.ts";

const tree = [
  e("/etc", "dir"),
  e("/etc/nginx", "dir"),
  e("/etc/nginx/nginx.conf", "file", 100, { mtime: T0 + 5 }),
  e("/etc/nginx/mime.types", "file", 50),
  e("/etc/nginx/sites", "dir"),
  e("/etc/nginx/sites/default.conf", "file", 7),
  e("/etc/hosts", "file", 20, { uid: 0, user: "root" }),
  e("/home/ann/notes.txt", "file", 1000, {
    uid: 1000,
    gid: 1000,
    user: "ann",
    group: "ann",
    mtime: T0 + 9,
  }),
  e("/home/ann/link", "symlink", 9, { linkTarget: "notes.txt", mode: 0o777 }),
  e("/empty", "dir"),
];

async function rejects(p: Promise<unknown>, status: number) {
  await assert.rejects(p, (err: unknown) => err instanceof AppError && err.status === status);
}

Deno.test("ingest then list: counts, recursive sizes, implicit parents, owners, link targets", async () => {
  await using ix = await openIndex();
  const r = await ix.service.ingestSnapshot({ snapshot: meta("snp_1"), entries: tree });
  assert.equal(r.entries, 12); // 10 listed + /home and /home/ann made implicit
  assert.equal(r.totalSize, 1186);
  assert.equal(r.skipped, 0);
  const root = await ix.service.listDirectory({ snapshotId: "snp_1", path: "/" });
  assert.deepEqual(root.entries.map((x) => [x.name, x.type, x.size, x.itemCount]), [
    ["empty", "dir", 0, 0],
    ["etc", "dir", 177, 2],
    ["home", "dir", 1009, 1],
  ]);
  assert.equal(root.itemCount, 3);
  assert.equal(root.totalSize, 1186);
  const home = await ix.service.listDirectory({ snapshotId: "snp_1", path: "/home" });
  assert.equal(home.entries[0].mtime, null, "an implicit directory has no mtime");
  const ann = await ix.service.listDirectory({ snapshotId: "snp_1", path: "/home/ann/" });
  assert.deepEqual(ann.breadcrumbs.map((b) => b.path), ["/", "/home", "/home/ann"]);
  const [link, notes] = ann.entries;
  assert.deepEqual(
    [link.path, link.linkTarget, link.mode, notes.user, notes.uid, notes.mtime],
    ["/home/ann/link", "notes.txt", 0o777, "ann", 1000, T0 + 9],
  );
});

Deno.test("list: sorting, folders first, paging; bad paths and unknown ones are refused", async () => {
  await using ix = await openIndex();
  await ix.service.ingestSnapshot({ snapshot: meta("snp_1"), entries: tree });
  const list = (o: object) =>
    ix.service.listDirectory({ snapshotId: "snp_1", path: "/etc/nginx", ...o })
      .then((p) => p.entries.map((x) => x.name));
  assert.deepEqual(await list({}), ["sites", "mime.types", "nginx.conf"]);
  assert.deepEqual(await list({ foldersFirst: false }), ["mime.types", "nginx.conf", "sites"]);
  assert.deepEqual(await list({ foldersFirst: false, order: "desc" }), [
    "sites",
    "nginx.conf",
    "mime.types",
  ]);
  assert.deepEqual(await list({ sort: "size", order: "desc", foldersFirst: false }), [
    "nginx.conf",
    "mime.types",
    "sites",
  ]);
  assert.deepEqual(await list({ sort: "mtime", order: "desc" }), [
    "sites",
    "nginx.conf",
    "mime.types",
  ]);
  assert.deepEqual(await list({ limit: 1, offset: 1 }), ["mime.types"]);
  assert.deepEqual(await list({ offset: 5 }), []);
  await rejects(ix.service.listDirectory({ snapshotId: "snp_1", path: "/etc/hosts" }), 404);
  await rejects(ix.service.listDirectory({ snapshotId: "snp_1", path: "/nope" }), 404);
  await rejects(ix.service.listDirectory({ snapshotId: "snp_1", path: "/etc/../root" }), 400);
  await rejects(ix.service.listDirectory({ snapshotId: "snp_1", path: "etc" }), 400);
  await rejects(ix.service.listDirectory({ snapshotId: "snp_x", path: "/" }), 404);
});

Deno.test("search: every version of a path, names, globs, per host or fleet", async () => {
  await using ix = await openIndex();
  const v = (size: number) =>
    tree.map((x) => (x.path === "/etc/nginx/nginx.conf" ? { ...x, size } : x));
  await ix.service.ingestSnapshot({ snapshot: meta("snp_1", { time: T0 }), entries: v(100) });
  await ix.service.ingestSnapshot({ snapshot: meta("snp_2", { time: T0 + 1 }), entries: v(120) });
  await ix.service.ingestSnapshot({
    snapshot: meta("snp_b", { hostId: "hst_b", time: T0 + 2 }),
    entries: [e("/etc/nginx/nginx.conf", "file", 3), e("/srv/nginx/extra.conf", "file", 4)],
  });
  const exact = await ix.service.search({ hostId: "hst_a", query: "/etc/nginx/nginx.conf" });
  assert.equal(exact.kind, "path");
  assert.deepEqual(exact.matches.map((m) => m.path), ["/etc/nginx/nginx.conf"]);
  assert.deepEqual(exact.matches[0].versions.map((x) => [x.snapshotId, x.size]), [["snp_2", 120], [
    "snp_1",
    100,
  ]]);
  const fleet = await ix.service.search({ query: "/etc/nginx/nginx.conf" });
  assert.deepEqual(fleet.matches[0].versions.map((x) => x.snapshotId), ["snp_b", "snp_2", "snp_1"]);
  const paths = async (query: string, o: object = {}) =>
    (await ix.service.search({ query, ...o })).matches.map((m) => m.path);
  assert.deepEqual(await paths("NGINX"), ["/etc/nginx", "/etc/nginx/nginx.conf", "/srv/nginx"]);
  assert.deepEqual(await paths("*.conf", { hostId: "hst_a" }), [
    "/etc/nginx/nginx.conf",
    "/etc/nginx/sites/default.conf",
  ]);
  assert.deepEqual(await paths("**/nginx/*.conf"), [
    "/etc/nginx/nginx.conf",
    "/srv/nginx/extra.conf",
  ]);
  assert.deepEqual(await paths("nginx/**/*.conf"), [
    "/etc/nginx/nginx.conf",
    "/etc/nginx/sites/default.conf",
    "/srv/nginx/extra.conf",
  ]);
  assert.deepEqual(await paths("/etc/*/nginx.conf"), ["/etc/nginx/nginx.conf"]);
  assert.deepEqual(await paths("/*/nginx.conf"), []);
  assert.deepEqual(await paths("sites/default.conf"), ["/etc/nginx/sites/default.conf"]);
  assert.deepEqual(await paths("*.conf", { snapshotIds: ["snp_b"] }), [
    "/etc/nginx/nginx.conf",
    "/srv/nginx/extra.conf",
  ]);
  assert.deepEqual(await paths("100%_"), []);
  const limited = await ix.service.search({ query: "*", limit: 2 });
  assert.equal(limited.matches.length, 2);
  assert.equal(limited.truncated, true);
  await rejects(ix.service.search({ query: " " }), 400);
  await rejects(ix.service.search({ query: "a/b", kind: "substring" }), 400);
});

Deno.test("diff: added, removed and changed entries with sizes, and a summary that adds up", async () => {
  await using ix = await openIndex();
  await ix.service.ingestSnapshot({ snapshot: meta("snp_1"), entries: tree });
  const next = tree.filter((x) => x.path !== "/etc/hosts").map((x) =>
    x.path === "/etc/nginx/nginx.conf"
      ? { ...x, size: 150, mtime: T0 + 50 }
      : x.path === "/home/ann/link"
      ? { ...x, linkTarget: "elsewhere" }
      : x
  );
  next.push(e("/etc/nginx/sites/new.conf", "file", 30), e("/var/log/x.log", "file", 5));
  await ix.service.ingestSnapshot({ snapshot: meta("snp_2"), entries: next });
  const d = await ix.service.diff({ fromSnapshotId: "snp_1", toSnapshotId: "snp_2" });
  assert.deepEqual(d.entries.map((x) => [x.path, x.change, x.fields.join(",")]), [
    ["/etc/hosts", "removed", ""],
    ["/etc/nginx/nginx.conf", "changed", "size,mtime"],
    ["/etc/nginx/sites/new.conf", "added", ""],
    ["/home/ann/link", "changed", "target"],
    ["/var", "added", ""],
    ["/var/log", "added", ""],
    ["/var/log/x.log", "added", ""],
  ]);
  assert.equal(d.entries[1].from!.size, 100);
  assert.equal(d.entries[1].to!.size, 150);
  const s = d.summary;
  assert.deepEqual([s.added, s.removed, s.changed, s.bytesAdded, s.bytesRemoved], [
    4,
    1,
    2,
    85,
    20,
  ]);
  assert.equal(s.toSize - s.fromSize, s.bytesAdded - s.bytesRemoved);
  assert.equal(s.sizeChangePercent, ((1251 - 1186) / 1186) * 100);
  const sub = await ix.service.diff({
    fromSnapshotId: "snp_1",
    toSnapshotId: "snp_2",
    path: "/etc/nginx",
  });
  assert.deepEqual(sub.entries.map((x) => x.path), [
    "/etc/nginx/nginx.conf",
    "/etc/nginx/sites/new.conf",
  ]);
  assert.deepEqual([sub.summary.fromSize, sub.summary.toSize], [157, 237]);
  const cut = await ix.service.diff({ fromSnapshotId: "snp_1", toSnapshotId: "snp_2", limit: 2 });
  assert.equal(cut.entries.length, 2);
  assert.equal(cut.truncated, true);
  assert.equal(cut.summary.added, 4, "the summary counts everything, whatever the limit");
  const same = await ix.service.diff({ fromSnapshotId: "snp_1", toSnapshotId: "snp_1" });
  assert.deepEqual([same.entries.length, same.summary.added + same.summary.changed], [0, 0]);
  await rejects(
    ix.service.diff({ fromSnapshotId: "snp_1", toSnapshotId: "snp_2", path: "/nope" }),
    404,
  );
});

Deno.test("re-ingesting a snapshot replaces it and leaves nothing of the old version behind", async () => {
  await using ix = await openIndex();
  await ix.service.ingestSnapshot({ snapshot: meta("snp_1"), entries: tree });
  const other = [e("/data/a.bin", "file", 5), e("/data/b.bin", "file", 6)];
  const r = await ix.service.ingestSnapshot({ snapshot: meta("snp_1"), entries: other });
  assert.equal(r.replaced, 1);
  const root = await ix.service.listDirectory({ snapshotId: "snp_1", path: "/" });
  assert.deepEqual(root.entries.map((x) => x.name), ["data"]);
  await using fresh = await openIndex();
  await fresh.service.ingestSnapshot({ snapshot: meta("snp_1"), entries: other });
  assert.deepEqual(await ix.repo.tableCounts(), await fresh.repo.tableCounts());
});

Deno.test("dropping snapshots collects names, directories and listings nobody uses any more", async () => {
  await using ix = await openIndex();
  const second = [
    ...tree.slice(1),
    e("/etc/nginx/extra", "file", 1),
    e("/opt/tool/bin", "file", 2),
  ];
  await ix.service.ingestSnapshot({ snapshot: meta("snp_1"), entries: tree });
  await ix.service.ingestSnapshot({ snapshot: meta("snp_2"), entries: second });
  await ix.service.dropSnapshot("snp_1");
  await rejects(ix.service.listDirectory({ snapshotId: "snp_1", path: "/" }), 404);
  assert.equal(
    (await ix.service.listDirectory({ snapshotId: "snp_2", path: "/opt/tool" })).itemCount,
    1,
  );
  await using fresh = await openIndex();
  await fresh.service.ingestSnapshot({ snapshot: meta("snp_2"), entries: second });
  assert.deepEqual(await ix.repo.tableCounts(), await fresh.repo.tableCounts());
  await ix.service.dropSnapshot("snp_2");
  const counts = await ix.repo.tableCounts();
  assert.deepEqual(Object.values(counts), [0, 0, 0, 0, 0, 0], JSON.stringify(counts));
  await rejects(ix.service.dropSnapshot("snp_2"), 404);
});

Deno.test("entries with bad paths or duplicate names are skipped and counted", async () => {
  await using ix = await openIndex();
  const r = await ix.service.ingestSnapshot({
    snapshot: meta("snp_1"),
    entries: [
      e("/a", "file", 1),
      e("/a", "file", 2),
      e("relative"),
      e("/"),
      e("/b/../c"),
      e("/d", "file", NaN),
    ],
  });
  assert.equal(r.skipped, 5);
  assert.equal(r.entries, 1);
  const mixed = await ix.service.ingestSnapshot({
    snapshot: meta("snp_2"),
    entries: [e("/x", "file", 1), e("/x/y", "file", 2)],
  });
  assert.equal(mixed.skipped, 1, "a file and a directory of one name: the directory stays");
  const x = await ix.service.listDirectory({ snapshotId: "snp_2", path: "/x" });
  assert.deepEqual(x.entries.map((y) => y.name), ["y"]);
});

Deno.test("a crash while loading leaves hidden rows that the next writer collects", async () => {
  await using ix = await openIndex();
  await ix.service.ingestSnapshot({ snapshot: meta("snp_1"), entries: tree });
  const before = await ix.repo.tableCounts();
  const failing = (async function* () {
    yield e("/zzz/new-name-only-here", "file", 1);
    throw new Error("agent went away");
  })();
  await assert.rejects(
    ix.service.ingestSnapshot({ snapshot: meta("snp_2"), entries: failing }),
    /went away/,
  );
  assert.deepEqual(await ix.repo.tableCounts(), before, "a failed stream writes nothing");
  const seq = await ix.repo.insertLoadingSnapshot(meta("snp_3"), T0);
  await ix.repo.insertNames((await ix.repo.maxIds()).name + 1, ["orphan", "etc"]);
  await ix.repo.insertSnapshotDirs(seq, [[0, 999, 1, 1]]);
  const restarted = ix.restart();
  assert.equal(await restarted.findSnapshot("snp_3"), undefined);
  await restarted.recover();
  assert.deepEqual(await ix.repo.tableCounts(), before, "the orphan name goes too");
});

Deno.test("names take ids in name order and a name the index has keeps its id", async () => {
  await using ix = await openIndex();
  const first = await ix.repo.insertNames(100, ["b", "a", "c"]);
  assert.deepEqual(first, [101, 100, 102]);
  const second = await ix.repo.insertNames(103, ["c", "é", "a2", "b"]);
  assert.deepEqual(second, [undefined, 106, 103, undefined], "ids 104 and 105 stay unused");
  const names = await ix.repo.namesById([100, 101, 102, 103, 106]);
  assert.deepEqual([...names].sort(([x], [y]) => x - y).map(([, n]) => n), [
    "a",
    "b",
    "c",
    "a2",
    "é",
  ]);
  assert.deepEqual([...await ix.repo.findNameIds(["c", "é", "zz"])], [102, 106, undefined]);
});

Deno.test("an ingest that fails while writing takes back the names it numbered", async () => {
  await using ix = await openIndex();
  await ix.service.ingestSnapshot({ snapshot: meta("snp_1"), entries: tree });
  const before = await ix.repo.tableCounts();
  // The database refuses the batch's directory rows, after the names were numbered ahead.
  const refusing = {
    ...ix.repo,
    transaction: <T>(fn: (q: SnapshotIndexQueries) => Promise<T>) =>
      ix.repo.transaction((q) =>
        fn({
          ...q,
          insertSnapshotDirs: () => Promise.reject(new Error("database or disk is full")),
        })
      ),
  };
  const service = createSnapshotIndexService({ repo: refusing, clock: { now: () => T0 } });
  await assert.rejects(
    service.ingestSnapshot({
      snapshot: meta("snp_2"),
      entries: [...tree, e("/brand/new-name-a", "file", 1), e("/brand/new-name-b", "file", 2)],
    }),
    /disk is full/,
  );
  assert.deepEqual(await ix.repo.tableCounts(), before, "no name, node or listing is left");
});

Deno.test("real restic and borg listings index, browse and search end to end", async () => {
  const real = await realListings();
  await using ix = await openIndex();
  for (const format of ["restic", "borg"] as const) {
    const id = `snp_${format}`;
    const r = await ix.service.ingestListing({
      snapshot: meta(id, { tool: format }),
      format,
      lines: (async function* () {
        yield* real[format];
        yield "garbage that is not JSON";
      })(),
    });
    assert.equal(r.skipped, 1);
    assert.equal(r.listedSnapshot !== null, format === "restic");
    const src = await ix.service.listDirectory({ snapshotId: id, path: "/src", limit: 1000 });
    const names = src.entries.map((x) => x.name);
    for (const n of ["Ünïcödé ✓", "new\nline", LONG_NAME, "with space.txt", "empty", "fifo"]) {
      assert.ok(names.includes(n), `${format} lists ${JSON.stringify(n)}`);
    }
    const sparse = src.entries.find((x) => x.name === "sparse.img")!;
    assert.equal(sparse.size, 64 * 1024 * 1024);
    const deep = await ix.service.listDirectory({ snapshotId: id, path: `/src/${DEEP.join("/")}` });
    assert.deepEqual(deep.entries.map((x) => x.name), ["bottom.txt"]);
    assert.equal(deep.breadcrumbs.length, DEEP.length + 2);
    const found = await ix.service.search({ query: "café", snapshotIds: [id] });
    assert.deepEqual(found.matches.map((m) => m.path), ["/src/Ünïcödé ✓/naïve café.txt"]);
  }
  const both = await ix.service.search({ query: "/src/etc/nginx/nginx.conf" });
  assert.deepEqual(both.matches[0].versions.map((v) => v.size), [20, 20]);
});
