// The whole suite, as `npm test` runs it: build, format check, lint, type check, the import
// boundaries, then every Deno test. It ends with a plain "N passed, N failed" line that CI reads;
// each check counts as one test beside Deno's own count.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

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
const FILE_TIMEOUT_S = Number(process.env.CAIRN_TEST_FILE_TIMEOUT ?? 600);
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

// Each test file runs in its own Deno process: libsql 0.5 can crash a process in a finalizer
// after many databases were opened and closed in it (tursodatabase/libsql-client-ts#354), and
// one file's crash must not take the others' results with it. Output is shown as each file ends.
function findTests(paths) {
  const out = [];
  const walk = (p) => {
    const st = statSync(p);
    if (st.isFile()) {
      if (/_test\.tsx?$/.test(p)) out.push(p);
      return;
    }
    for (const e of readdirSync(p).sort()) {
      if (["node_modules", "dist", ".tmp", "data", "testdata"].includes(e) || e.startsWith(".")) continue;
      walk(join(p, e));
    }
  };
  for (const p of paths) walk(p);
  return out;
}

function runFile(file) {
  return new Promise((done) => {
    const child = spawn(deno, ["test", ...permissions, "--no-check", file], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let text = "";
    // A hung file must not hang the suite: it is stopped and counted as failed.
    const timer = setTimeout(() => {
      text += `\n${file}: still running after ${FILE_TIMEOUT_S} s; stopped\n`;
      child.kill("SIGKILL");
    }, FILE_TIMEOUT_S * 1000);
    child.stdout.on("data", (c) => (text += c));
    child.stderr.on("data", (c) => (text += c));
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      done({ file, status, signal, text });
    });
  });
}

console.log("\n== tests");
const files = findTests(filter.length ? filter : ["server", "agent", "pwa/src", "test", "scripts"]);
const jobs = Math.max(1, Number(process.env.CAIRN_TEST_JOBS ?? 1));
const queue = [...files];
const started = Date.now();
await Promise.all(Array.from({ length: jobs }, async () => {
  while (queue.length) {
    const r = await runFile(queue.shift());
    process.stdout.write(`\n-- ${r.file}\n${r.text.replace(/\nStack backtrace:[\s\S]*$/, "\n")}`);
    const m = /(ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(r.text);
    if (m) {
      passed += Number(m[2]);
      failed += Number(m[3]);
    }
    if (!m || Number(m[3]) > 0 || r.status !== 0) {
      if (!m || Number(m[3]) === 0) failed++; // no summary, or the process died after its tests
      failures.push(`${r.file}${r.signal ? ` (killed by ${r.signal})` : m ? "" : ` (exit ${r.status}, no summary)`}`);
    }
  }
}));
console.log(`\n${files.length} test files in ${Math.round((Date.now() - started) / 1000)} s`);

if (failures.length) console.log(`\nFailed: ${failures.join(", ")}`);
const line = `${passed} passed, ${failed} failed`;
mkdirSync(".tmp", { recursive: true });
writeFileSync(".tmp/test-summary", line + "\n");
console.log(`\n${line}`);
process.exit(failed === 0 ? 0 : 1);
