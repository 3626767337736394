import assert from "node:assert/strict";
import {
  defaultNewTarget,
  isInside,
  joinPath,
  parentPath,
  parseRemap,
  selectionWords,
  shortSnapshot,
  snapshotHref,
  targetWords,
} from "./restore_words.ts";

const full = "a".repeat(8) + "b".repeat(56);

Deno.test("snapshot links carry only what differs from the defaults, escaped", () => {
  const s = { hostId: "hst_1", repositoryId: "rep_1", snapshotId: "daily 2026/x" };
  assert.equal(snapshotHref(s), "/hosts/hst_1/snapshots/rep_1/daily%202026%2Fx");
  assert.equal(
    snapshotHref(s, { path: "/etc/a b", sort: "size", order: "desc" }),
    "/hosts/hst_1/snapshots/rep_1/daily%202026%2Fx?path=%2Fetc%2Fa+b&sort=size&order=desc",
  );
  assert.equal(snapshotHref(s, { path: "/", sort: "name", order: "asc" }), snapshotHref(s));
});

Deno.test("paths: parent, join and inside", () => {
  assert.equal(parentPath("/etc/nginx/nginx.conf"), "/etc/nginx");
  assert.equal(parentPath("/etc"), "/");
  assert.equal(parentPath("/"), "/");
  assert.equal(joinPath("/", "etc"), "/etc");
  assert.equal(joinPath("/etc", "hosts"), "/etc/hosts");
  assert.ok(isInside("/srv/restore/x", "/srv/restore"));
  assert.ok(isInside("/srv/restore", "/srv/restore"));
  assert.ok(!isInside("/srv/restored", "/srv/restore"), "a sibling with the same prefix is out");
});

Deno.test("the default new place is below the first root, named by snapshot and day", () => {
  const day = new Date("2026-11-23T10:00:00Z");
  assert.equal(defaultNewTarget(["/srv/restore/"], full, day), "/srv/restore/aaaaaaaa-2026-11-23");
  assert.equal(
    defaultNewTarget([], "web 1:daily", day),
    "/var/lib/cairn/restore/web_1_daily-2026-11-23",
  );
  assert.equal(shortSnapshot(full), "aaaaaaaa");
  assert.equal(shortSnapshot("aaaa"), "aaaa");
});

Deno.test("words for targets and selections", () => {
  const name = (id: string) => (id === "hst_2" ? "nas" : id);
  assert.equal(targetWords({ type: "original" }, name), "Back to the original place");
  assert.equal(targetWords({ type: "new", path: "/r" }, name), "Into /r");
  assert.equal(
    targetWords(
      { type: "host", hostId: "hst_2", path: "/r", remap: [{ from: "/a", to: "/b" }] },
      name,
    ),
    "Into /r on nas (1 path remapped)",
  );
  assert.equal(selectionWords([]), "the whole snapshot");
  assert.equal(selectionWords(["/etc/hosts"]), "/etc/hosts");
  assert.equal(selectionWords(["/a", "/b"]), "2 items");
});

Deno.test("remap lines parse with an arrow or a space, and a bad line is named", () => {
  assert.deepEqual(parseRemap("/home/a -> /home/b\n\n/srv → /data\n/x /y"), {
    ok: true,
    remap: [{ from: "/home/a", to: "/home/b" }, { from: "/srv", to: "/data" }, {
      from: "/x",
      to: "/y",
    }],
  });
  assert.deepEqual(parseRemap("/ok /fine\nrelative -> /x"), { ok: false, line: 2 });
});
