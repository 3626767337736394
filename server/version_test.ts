import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PROJECT_ROOT } from "./paths.ts";
import { VERSION } from "./version.ts";

Deno.test("the version the appliance reports is package.json's", async () => {
  const pkg = JSON.parse(await readFile(join(PROJECT_ROOT, "package.json"), "utf8"));
  assert.equal(VERSION, pkg.version);
});
