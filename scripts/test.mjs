// The whole suite, as `npm test` runs it: build, format check, lint, type check, the import
// boundaries, then every Deno test. It ends with a plain "N passed, N failed" line that CI reads;
// each check counts as one test beside Deno's own count.
import { spawn, spawnSync } from "node:child_process";
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
if (process.env.CAIRN_TEST_RUNNER_ACTIVE) {
  console.error("scripts/test.mjs is already running above this process; refusing to nest");
  process.exit(2);
}
process.env.CAIRN_TEST_RUNNER_ACTIVE = "1";
rmSync(".tmp/test-summary", { force: true });

let passed = 0;
let failed = 0;
const failures = [];

function step(name, cmd, args) {
  console.log(`\n== ${name}`);
  return spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, NO_COLOR: "1" } });
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

// Deno's output is shown as it comes (a long suite must show progress) and kept for the summary.
console.log("\n== tests");
const testArgs = ["test", ...permissions, "--no-check", ...(filter.length ? filter : ["server", "agent", "pwa/src", "test", "scripts"])];
const tests = await new Promise((done) => {
  const child = spawn(deno, testArgs, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NO_COLOR: "1" } });
  let stdout = "";
  child.stdout.on("data", (chunk) => {
    process.stdout.write(chunk);
    stdout += chunk;
    if (stdout.length > 4_000_000) stdout = stdout.slice(-1_000_000);
  });
  child.on("close", (status) => done({ status, stdout }));
});
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
