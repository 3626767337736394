// `npm run bench [name…]`: runs the benchmarks in scripts/bench/ one after another (all, or the
// ones named), each printing its own figures. Run them on a quiet machine.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { resolve } from "node:path";

const wanted = process.argv.slice(2);
const files = readdirSync("scripts/bench").filter((f) =>
  f.endsWith(".ts") && !f.endsWith("_test.ts")
).sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)));
let failed = 0;
for (const f of files) {
  console.log(`\n== ${f}`);
  const r = spawnSync(resolve("node_modules/.bin/deno"), ["run", "-A", `scripts/bench/${f}`], {
    stdio: "inherit",
    env: { ...process.env, NO_COLOR: "1" },
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
