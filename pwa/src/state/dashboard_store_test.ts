import assert from "node:assert/strict";
import type { DashboardView } from "../../../server/contract/api.ts";
import type { CairnApi } from "../api/cairn_api.ts";
import { ApiError } from "../api/client.ts";
import { createDashboardStore } from "./dashboard_store.ts";
import type { Cached, LocalCache } from "./local_cache.ts";

/** LocalCache in a Map: the store's contract with IndexedDB, without a browser. */
function memoryCache(): LocalCache & { map: Map<string, Cached<unknown>> } {
  const map = new Map<string, Cached<unknown>>();
  return {
    map,
    read: <T>(k: string) => Promise.resolve((map.get(k) as Cached<T>) ?? null),
    write: (k, value, savedAt) => Promise.resolve(void map.set(k, { value, savedAt })),
    remove: (k) => Promise.resolve(void map.delete(k)),
    clearAll: () => Promise.resolve(map.clear()),
  };
}

const view = (users: number) => ({ users, applianceName: "Cairn" }) as unknown as DashboardView;

/** An appliance without the alert engine: /api/alerts is not there. */
const noAlerts = {
  get: () => Promise.reject(new ApiError(404, "not_found", "Not found")),
};

function apiReplying(reply: () => Promise<DashboardView>, client: unknown = noAlerts) {
  return { dashboard: reply, client } as unknown as CairnApi;
}

Deno.test("a fresh view is shown and saved with its time", async () => {
  const cache = memoryCache();
  const store = createDashboardStore({
    api: apiReplying(() => Promise.resolve(view(3))),
    cache,
    now: () => 1000,
  });
  await store.refresh();
  assert.equal(store.view.value?.users, 3);
  assert.equal(store.syncedAt.value, 1000);
  assert.equal(store.offline.value, false);
  assert.deepEqual(cache.map.get("dashboard"), { value: view(3), savedAt: 1000 });
});

Deno.test("offline, the saved view opens with the time it was synced", async () => {
  const cache = memoryCache();
  await cache.write("dashboard", view(2), 500);
  const offline = () => Promise.reject(new ApiError(0, "offline", "unreachable"));
  const store = createDashboardStore({ api: apiReplying(offline), cache, now: () => 9000 });
  await store.refresh();
  assert.deepEqual(
    [store.view.value?.users, store.syncedAt.value, store.offline.value, store.error.value],
    [2, 500, true, null],
  );
});

Deno.test("offline with nothing saved says so; an error from the appliance keeps the last view", async () => {
  const offline = () =>
    Promise.reject(new ApiError(0, "offline", "The appliance cannot be reached"));
  const empty = createDashboardStore({ api: apiReplying(offline), cache: memoryCache() });
  await empty.refresh();
  assert.equal(empty.view.value, null);
  assert.equal(empty.error.value, "The appliance cannot be reached");

  const replies = [
    () => Promise.resolve(view(1)),
    () => Promise.reject(new ApiError(403, "forbidden", "Your role does not allow this.")),
  ];
  const store = createDashboardStore({
    api: apiReplying(() => replies.shift()!()),
    cache: memoryCache(),
  });
  await store.refresh();
  await store.refresh();
  assert.equal(store.view.value?.users, 1);
  assert.equal(store.error.value, "Your role does not allow this.");
  assert.equal(store.offline.value, false);
});

Deno.test("open alerts come with the figures, are kept on the device, and shown offline", async () => {
  const cache = memoryCache();
  const active = { alerts: [{ id: "alr_1" }], nextBefore: null, active: { critical: 1 } };
  const asked: string[] = [];
  const client = {
    get: (path: string, q: Record<string, unknown>) => {
      asked.push(`${path}?state=${q.state}`);
      return Promise.resolve(active);
    },
  };
  const store = createDashboardStore({
    api: apiReplying(() => Promise.resolve(view(1)), client),
    cache,
    now: () => 5,
  });
  await store.refresh();
  assert.deepEqual(asked, ["/api/alerts?state=active"]);
  assert.deepEqual(store.attention.value, active);
  assert.deepEqual(cache.map.get("attention"), { value: active, savedAt: 5 });

  const later = createDashboardStore({
    api: apiReplying(() => Promise.reject(new ApiError(0, "offline", "gone"))),
    cache,
  });
  await later.refresh();
  assert.deepEqual(later.attention.value, active, "the last alerts open offline");
  store.reset();
  assert.equal(store.attention.value, null, "sign-out forgets them");
});

Deno.test("an appliance without alerts leaves the figures alone", async () => {
  const store = createDashboardStore({
    api: apiReplying(() => Promise.resolve(view(2))),
    cache: memoryCache(),
  });
  await store.refresh();
  assert.equal(store.view.value?.users, 2);
  assert.equal(store.error.value, null);
  assert.equal(store.attention.value, null);
});
