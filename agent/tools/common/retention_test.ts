import assert from "node:assert/strict";
import { InvalidOptionsError } from "./result.ts";
import { retentionFlags } from "./retention.ts";

Deno.test("keep-within is spelled for each tool", () => {
  assert.deepEqual(retentionFlags({ within: "36h" }, "borg"), ["--keep-within=36H"]);
  assert.deepEqual(retentionFlags({ within: "36h" }, "restic"), ["--keep-within=36h"]);
  assert.deepEqual(retentionFlags({ within: "2w" }, "restic"), ["--keep-within=14d"]);
  assert.deepEqual(retentionFlags({ within: "2w" }, "borg"), ["--keep-within=2w"]);
});

Deno.test("a policy that keeps nothing, or a nonsense count, is refused", () => {
  assert.throws(() => retentionFlags({}, "restic"), InvalidOptionsError);
  assert.throws(() => retentionFlags({ last: 1.5 }, "borg"), InvalidOptionsError);
  assert.throws(() => retentionFlags({ within: "0d" }, "borg"), InvalidOptionsError);
});
