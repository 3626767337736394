import assert from "node:assert/strict";
import { createGroupCommitter } from "./group_commit.ts";

Deno.test("group commit: items submitted together share one flush; each gets its own result", async () => {
  const flushes: number[][] = [];
  const c = createGroupCommitter(async (items: number[]) => {
    flushes.push(items);
    await Promise.resolve();
    return items.map((x) => x * 10);
  });
  const results = await Promise.all([1, 2, 3].map((x) => c.submit(x)));
  assert.deepEqual(results, [10, 20, 30]);
  assert.deepEqual(flushes, [[1, 2, 3]]);
  assert.equal(await c.submit(4), 40);
  assert.equal(flushes.length, 2);
});

Deno.test("group commit: a failing group is retried item by item, so only the bad item fails", async () => {
  const c = createGroupCommitter((items: number[]) => {
    if (items.includes(2)) return Promise.reject(new Error("bad item"));
    return Promise.resolve(items.map((x) => -x));
  });
  const settled = await Promise.allSettled([1, 2, 3].map((x) => c.submit(x)));
  assert.deepEqual(settled.map((s) => s.status), ["fulfilled", "rejected", "fulfilled"]);
  assert.equal((settled[0] as PromiseFulfilledResult<number>).value, -1);
});
