// The whole suite, as `npm test` runs it: build, format check, lint, type check, the import
// boundaries, then every Deno test. It ends with a plain "N passed, N failed" line that CI reads;
// each check counts as one test beside Deno's own count.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

const deno = resolve("node_modules/.bin/deno");
const permissions = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-sys",
  "--allow-ffi",
  "--allow-run",
];
const filter = process.argv.slice(2);
rmSync(".tmp/test-summary", { force: true });

let passed = 0;
let failed = 0;
const failures = [];

function step(name, cmd, args, opts = {}) {
  console.log(`\n== ${name}`);
  const r = spawnSync(cmd, args, {
    stdio: opts.capture ? ["ignore", "pipe", "inherit"] : "inherit",
    env: { ...process.env, NO_COLOR: "1" },
    encoding: "utf8",
  });
  if (opts.capture) process.stdout.write(r.stdout ?? "");
  return r;
}

function check(name, cmd, args) {
  const r = step(name, cmd, args);
  if (r.status === 0) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

if (filter.length === 0) {
  check("build", "npm", ["run", "--silent", "build"]);
  check("format", deno, ["fmt", "--check"]);
  check("lint", deno, ["lint"]);
  check("type check", deno, ["check", "server", "agent", "test", "scripts", "pwa/src"]);
  check("import boundaries", deno, ["run", "--allow-read", "scripts/check_boundaries.ts"]);
}

const tests = step("tests", deno, [
  "test",
  ...permissions,
  "--no-check",
  ...(filter.length ? filter : ["server", "agent", "pwa/src", "test", "scripts"]),
], { capture: true });
const summary = /(ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(
  tests.stdout ?? "",
);
if (summary) {
  passed += Number(summary[2]);
  failed += Number(summary[3]);
  if (Number(summary[3]) > 0) failures.push("tests");
} else {
  failed++;
  failures.push("tests (no summary: the test run itself failed)");
}

if (failures.length) console.log(`\nFailed: ${failures.join(", ")}`);
const line = `${passed} passed, ${failed} failed`;
mkdirSync(".tmp", { recursive: true });
writeFileSync(".tmp/test-summary", line + "\n");
console.log(`\n${line}`);
process.exit(failed === 0 ? 0 : 1);
