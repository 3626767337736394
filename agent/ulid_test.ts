import assert from "node:assert/strict";
import { createBackoff } from "./backoff.ts";
import { createUlidFactory } from "./ulid.ts";

Deno.test("ULIDs: 26 Crockford characters, time first, increasing even within one millisecond", () => {
  let t = Date.UTC(2026, 0, 1);
  const next = createUlidFactory(() => t);
  const ids = Array.from({ length: 10_000 }, () => next());
  assert.ok(ids.every((id) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(id)));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
  t -= 5000;
  assert.ok(next() > ids[ids.length - 1], "a clock stepping back does not reorder ids");
});

Deno.test("backoff: doubles up to the cap, with jitter in the upper half", () => {
  const fixed = createBackoff({ baseMs: 100, maxMs: 1000, random: () => 1 });
  assert.deepEqual(Array.from({ length: 6 }, () => fixed.next()), [100, 200, 400, 800, 1000, 1000]);
  fixed.reset();
  assert.equal(fixed.next(), 100);
  const low = createBackoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
  assert.deepEqual([low.next(), low.next()], [50, 100]);
});
