import assert from "node:assert/strict";
import type { BrowseQuery, DirectoryPageView } from "../api/restore_api.ts";
import { createRestoreStore } from "./restore_store.ts";

function source() {
  const asked: string[] = [];
  return {
    asked,
    browse(q: BrowseQuery): Promise<DirectoryPageView> {
      asked.push(q.path);
      return Promise.resolve({
        repositoryId: q.repositoryId,
        snapshotId: q.snapshotId,
        hostId: "h",
        snapshotTime: "2026-11-23T05:00:00Z",
        path: q.path,
        breadcrumbs: [],
        itemCount: 0,
        totalSize: 0,
        offset: 0,
        limit: 200,
        entries: [],
      });
    },
  };
}

const q = (path: string): BrowseQuery => ({ repositoryId: "r", snapshotId: "s", path });

Deno.test("a directory listed once is answered from memory, a concurrent ask shares one call", async () => {
  const src = source();
  const store = createRestoreStore(src);
  assert.equal(store.cached(q("/etc")), null);
  await Promise.all([store.list(q("/etc")), store.list(q("/etc"))]);
  assert.deepEqual(src.asked, ["/etc"]);
  assert.equal(store.cached(q("/etc"))?.path, "/etc");
  await store.list(q("/etc"));
  assert.deepEqual(src.asked, ["/etc"]);
  await store.list({ ...q("/etc"), sort: "size" });
  assert.deepEqual(src.asked, ["/etc", "/etc"], "another sort is another page");
});

Deno.test("the cache keeps the most recently used directories within its capacity", async () => {
  const src = source();
  const store = createRestoreStore(src, 2);
  await store.list(q("/a"));
  await store.list(q("/b"));
  store.cached(q("/a")); // /a is now the most recent: /b goes first
  await store.list(q("/c"));
  assert.equal(store.size(), 2);
  assert.ok(store.cached(q("/a")));
  assert.equal(store.cached(q("/b")), null);
});

Deno.test("picked paths are kept per snapshot and toggle on and off", () => {
  const store = createRestoreStore(source());
  store.toggle("r", "s", "/etc/hosts");
  store.toggle("r", "s", "/srv");
  store.toggle("r", "t", "/home");
  store.toggle("r", "s", "/etc/hosts");
  assert.deepEqual(store.selection("r", "s"), ["/srv"]);
  assert.deepEqual(store.selection("r", "t"), ["/home"]);
  store.setSelection("r", "s", ["/a", "/a", "/b"]);
  assert.deepEqual(store.selection("r", "s"), ["/a", "/b"]);
});
