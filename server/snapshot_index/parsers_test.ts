import assert from "node:assert/strict";
import { modeFromGo, modeFromString, parseTime, splitPath } from "./entry.ts";
import type { Entry } from "./entry.ts";
import { entriesFromLines, newLineStats, parseBorgListLine, parseResticLsLine } from "./parsers.ts";
import { DEEP, LONG_NAME, realListings } from "./testdata/real_listings.ts";

const listings = realListings();

async function entriesOf(format: "restic" | "borg") {
  const stats = newLineStats();
  const out = new Map<string, Entry>();
  for await (const e of entriesFromLines((await listings)[format], format, stats)) {
    out.set(e.path, e);
  }
  return { stats, byPath: out };
}

for (const format of ["restic", "borg"] as const) {
  Deno.test(`${format}: every entry of a real listing of hard names parses`, async () => {
    const { stats, byPath } = await entriesOf(format);
    assert.equal(stats.skipped, 0);
    assert.equal(stats.entries, byPath.size);
    const get = (p: string) => {
      const e = byPath.get(p);
      assert.ok(e, `${format} lists ${JSON.stringify(p)}`);
      return e;
    };
    assert.equal(get("/src").type, "dir");
    assert.equal(get("/src/etc/nginx/nginx.conf").size, 20);
    assert.equal(get("/src/new\nline").size, 2);
    assert.equal(get(`/src/${LONG_NAME}`).type, "file");
    assert.equal(new TextEncoder().encode(LONG_NAME).length, 255);
    assert.equal(get("/src/Ünïcödé ✓/naïve café.txt").size, 2);
    assert.equal(get("/src/with space.txt").size, 9);
    assert.equal(get("/src/empty").size, 0);
    assert.equal(get("/src/sparse.img").size, 64 * 1024 * 1024);
    assert.equal(get(`/src/${DEEP.join("/")}/bottom.txt`).size, 4);
    assert.equal(get("/src/fifo").type, "fifo");
    const script = get("/src/script.sh");
    assert.equal(script.mode, 0o4755);
    assert.equal(script.uid, 0);
    assert.ok(script.mtime! > Date.UTC(2020, 0, 1) && script.mtime! < Date.now() + 60_000);
    assert.equal(get("/src/link-to-conf").type, "symlink");
    assert.equal(get("/src/dangling").type, "symlink");
    if (format === "borg") {
      assert.equal(get("/src/link-to-conf").linkTarget, "etc/nginx/nginx.conf");
      assert.equal(get("/src/dangling").linkTarget, "/nowhere/at/all");
    } else {
      // restic 0.14 prints no link target in `ls --json`; newer ones do (see below).
      assert.equal(get("/src/link-to-conf").linkTarget, null);
    }
    assert.equal(get("/src/etc").mode, 0o755);
  });
}

Deno.test("restic: the snapshot line is kept; hard links are plain files", async () => {
  const { stats, byPath } = await entriesOf("restic");
  assert.match(stats.snapshot!.id, /^[0-9a-f]{64}$/);
  assert.ok(stats.snapshot!.time! > Date.UTC(2020, 0, 1));
  assert.equal(byPath.get("/src/hosts-hardlink")!.type, "file");
  assert.equal(byPath.get("/src/hosts-hardlink")!.size, 20);
});

Deno.test("borg: a hard link names the entry it links to; user and group names come through", async () => {
  const { byPath } = await entriesOf("borg");
  const pair = [byPath.get("/src/etc/hosts")!, byPath.get("/src/hosts-hardlink")!];
  const hard = pair.find((e) => e.type === "hardlink")!;
  const other = pair.find((e) => e !== hard)!;
  assert.equal(hard.linkTarget, other.path);
  assert.equal(byPath.get("/src/empty")!.user, "root");
});

Deno.test("restic: a node line with a link target keeps it", () => {
  const p = parseResticLsLine(JSON.stringify({
    struct_type: "node",
    name: "l",
    type: "symlink",
    path: "/l",
    linktarget: "../t",
    mode: 134218239,
  }));
  assert.equal(p.kind === "entry" && p.entry.linkTarget, "../t");
  assert.equal(p.kind === "entry" && p.entry.mode, 0o777);
});

Deno.test("malformed lines are skipped and counted, never thrown", async () => {
  const lines = [
    "",
    "not json at all",
    '{"struct_type":"node","name":"x"}',
    JSON.stringify({ struct_type: "node", name: "x", type: "file", path: "/a/../b" }),
    JSON.stringify({ struct_type: "node", name: "y", type: "file", path: "/a/y", size: -1 }),
    JSON.stringify({
      struct_type: "node",
      name: "z",
      type: "file",
      path: "/a/z",
      size: 5,
      extra: { x: 1 },
    }),
    "[1, 2, 3]",
    "null",
    '{"struct_type":"node",',
  ];
  const stats = newLineStats();
  const got: Entry[] = [];
  for await (const e of entriesFromLines(lines, "restic", stats)) got.push(e);
  assert.deepEqual(got.map((e) => e.path), ["/a/z"]);
  assert.equal(stats.skipped, 7);
  assert.equal(stats.lines, 8);
  assert.equal(parseBorgListLine(JSON.stringify({ type: "-", path: "" })).kind, "skipped");
  assert.equal(parseBorgListLine('{"type": "d"}').kind, "skipped");
  assert.equal(parseResticLsLine(JSON.stringify({ struct_type: "snapshot" })).kind, "skipped");
});

Deno.test("borg paths become absolute and zone-less times are UTC", () => {
  const p = parseBorgListLine(JSON.stringify({
    type: "l",
    mode: "lrwxrwxrwx",
    path: "home/a/ln",
    linktarget: "../t",
    mtime: "2026-11-23T03:14:00.311639",
    size: 4,
    uid: 1000,
    gid: 100,
    user: "a",
    group: "users",
    healthy: true,
    flags: 0,
  }));
  assert.equal(p.kind, "entry");
  if (p.kind !== "entry") return;
  assert.deepEqual(p.entry, {
    path: "/home/a/ln",
    type: "symlink",
    size: 4,
    mtime: Date.UTC(2026, 10, 23, 3, 14, 0, 311),
    mode: 0o777,
    uid: 1000,
    gid: 100,
    user: "a",
    group: "users",
    linkTarget: "../t",
  });
});

Deno.test("modes: Go file modes and ls-style strings become the same permission bits", () => {
  assert.equal(modeFromGo(2147484141), 0o755); // ModeDir | 0755
  assert.equal(modeFromGo(8389101), 0o4755); // ModeSetuid | 0755
  assert.equal(modeFromGo(2 ** 31 + 2 ** 20 + 0o777), 0o1777); // sticky /tmp
  assert.equal(modeFromGo(2 ** 22 + 0o750), 0o2750);
  assert.equal(modeFromString("drwxrwxrwt"), 0o1777);
  assert.equal(modeFromString("-rwSr-sr-x"), 0o6655);
  assert.equal(modeFromString("-r--------"), 0o400);
  assert.equal(modeFromString("short"), undefined);
});

Deno.test("times and paths", () => {
  assert.equal(parseTime("2026-11-23T03:14:00.479639247Z"), Date.UTC(2026, 10, 23, 3, 14, 0, 479));
  assert.equal(parseTime("2026-11-23T04:14:00.5+01:00"), Date.UTC(2026, 10, 23, 3, 14, 0, 500));
  assert.equal(parseTime("yesterday"), null);
  assert.deepEqual(splitPath("/a/b c/"), ["a", "b c"]);
  assert.deepEqual(splitPath("/"), []);
  assert.equal(splitPath("a/b"), undefined);
  assert.equal(splitPath("/a//b"), undefined);
  assert.equal(splitPath("/a/./b"), undefined);
  assert.equal(splitPath("/a/\0"), undefined);
});
