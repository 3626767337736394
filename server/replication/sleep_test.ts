import assert from "node:assert/strict";
import { sleep } from "./sleep.ts";

Deno.test("sleep ends at once on abort, and an already aborted signal does not wait", async () => {
  const c = new AbortController();
  const started = performance.now();
  const pause = sleep(10_000, c.signal);
  c.abort();
  await pause;
  await sleep(10_000, c.signal);
  assert.ok(performance.now() - started < 1000);
});

Deno.test("sleep leaves no listener on the signal once its timer fired", async () => {
  const c = new AbortController();
  let added = 0;
  let removed = 0;
  const add = c.signal.addEventListener.bind(c.signal);
  const remove = c.signal.removeEventListener.bind(c.signal);
  c.signal.addEventListener = (...a: Parameters<typeof add>) => (added++, add(...a));
  c.signal.removeEventListener = (...a: Parameters<typeof remove>) => (removed++, remove(...a));
  for (let i = 0; i < 3; i++) await sleep(1, c.signal);
  assert.equal(added, 3);
  assert.equal(removed, 3);
});
