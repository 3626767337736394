import assert from "node:assert/strict";
import type { JobLogLine } from "../../../server/contract/backups.ts";
import { mergeLines } from "./job_follow_store.ts";

const line = (seq: number): JobLogLine => ({
  seq,
  at: "2026-11-23T05:00:00Z",
  level: "info",
  source: "tool",
  text: `line ${seq}`,
});

Deno.test("mergeLines appends new lines and drops the ones a reconnect sends again", () => {
  const first = mergeLines([], [1, 2, 3].map(line));
  assert.deepEqual(first.map((l) => l.seq), [1, 2, 3]);
  const again = mergeLines(first, [2, 3, 4, 5].map(line));
  assert.deepEqual(again.map((l) => l.seq), [1, 2, 3, 4, 5]);
  const tail = mergeLines(again, [line(6)]);
  assert.deepEqual(tail.map((l) => l.seq), [1, 2, 3, 4, 5, 6]);
});

Deno.test("mergeLines puts late lines in order and keeps only the newest", () => {
  const out = mergeLines([5, 7].map(line), [6, 8].map(line));
  assert.deepEqual(out.map((l) => l.seq), [5, 6, 7, 8]);
  const capped = mergeLines([], [1, 2, 3, 4, 5].map(line), 3);
  assert.deepEqual(capped.map((l) => l.seq), [3, 4, 5]);
  assert.deepEqual(mergeLines(capped, [line(6)], 3).map((l) => l.seq), [4, 5, 6]);
});
