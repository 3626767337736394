import assert from "node:assert/strict";
import { toolVersions, versionOf } from "./tool_versions.ts";

Deno.test("tool versions: parsed from the real borg and restic, null for a missing tool", async () => {
  const v = await toolVersions();
  assert.match(v.borg ?? "", /^\d+\.\d+/, "borg is installed here");
  assert.match(v.restic ?? "", /^\d+\.\d+/, "restic is installed here");
  assert.equal(versionOf("borg 1.2.4"), "1.2.4");
  assert.equal(versionOf("restic 0.14.0 compiled with go1.19.8 on linux/amd64"), "0.14.0");
  assert.equal(versionOf("borg2 2.0.0b14"), "2.0.0b14");
  assert.equal(versionOf(null), null);
});
