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
// Where the tests capture logs for the secret scan (test/helpers/log_capture.ts).
const LOG_DIR = resolve(".tmp/test-logs");
rmSync(LOG_DIR, { recursive: true, force: true });
process.env.CAIRN_TEST_LOG_DIR = LOG_DIR;

let passed = 0;
let failed = 0;
const failures = [];

function check(name, cmd, args) {
  console.log(`\n== ${name}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, NO_COLOR: "1" } });
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
      if (["node_modules", "dist", ".tmp", "data", "testdata"].includes(e) || e.startsWith(".")) {
        continue;
      }
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

/**
 * Counts a file's results from Deno's per-test lines, so a process that dies after every test
 * has reported still yields its counts. Such a death (libsql's finalizers at isolate teardown,
 * tursodatabase/libsql-client-ts#354) is reported separately, never hidden.
 */
function tallyFile(text) {
  const expected = [...text.matchAll(/^running (\d+) tests? from /gm)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
  const ok = (text.match(/^\S.* \.\.\. ok \(/gm) ?? []).length;
  const bad = (text.match(/^\S.* \.\.\. FAILED\b/gm) ?? []).length;
  const summary = /(ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(text);
  if (summary) {
    return {
      passed: Number(summary[2]),
      failed: Number(summary[3]),
      teardownCrash: summary[1] === "ok",
    };
  }
  const complete = expected > 0 && ok + bad === expected;
  return { passed: ok, failed: bad, teardownCrash: complete && bad === 0 };
}

const teardownCrashes = [];
console.log("\n== tests");
const files = findTests(filter.length ? filter : ["server", "agent", "pwa/src", "test", "scripts"]);
const jobs = Math.max(1, Number(process.env.CAIRN_TEST_JOBS ?? 1));
const queue = [...files];
const started = Date.now();
await Promise.all(Array.from({ length: jobs }, async () => {
  while (queue.length) {
    const r = await runFile(queue.shift());
    process.stdout.write(`\n-- ${r.file}\n${r.text.replace(/\nStack backtrace:[\s\S]*$/, "\n")}`);
    const tally = tallyFile(r.text);
    passed += tally.passed;
    failed += tally.failed;
    if (tally.teardownCrash && r.status !== 0) {
      teardownCrashes.push(`${r.file} (${r.signal ?? `exit ${r.status}`})`);
    } else if (!tally.teardownCrash && (tally.failed > 0 || r.status !== 0)) {
      if (tally.failed === 0) failed++; // the process died before all its tests reported
      failures.push(`${r.file}${r.signal ? ` (killed by ${r.signal})` : ""}`);
    }
  }
}));
console.log(`\n${files.length} test files in ${Math.round((Date.now() - started) / 1000)} s`);

check("secret scan", "node", ["scripts/secret_scan.mjs", LOG_DIR]);

if (teardownCrashes.length) {
  console.log(
    `\nWarning: these files passed every test, then their process died while tearing down: ${
      teardownCrashes.join(", ")
    }`,
  );
}
if (failures.length) console.log(`\nFailed: ${failures.join(", ")}`);
const line = `${passed} passed, ${failed} failed`;
mkdirSync(".tmp", { recursive: true });
writeFileSync(".tmp/test-summary", line + "\n");
console.log(`\n${line}`);
process.exit(failed === 0 ? 0 : 1);
