import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLineSplitter } from "./process_lines.ts";
import {
  type ExitStatus,
  lendingChunks,
  ProcessStartError,
  spawnProcess,
  type StreamName,
} from "./process.ts";

function collect() {
  const lines: Array<[StreamName, string]> = [];
  return { lines, onLine: (s: StreamName, l: string) => void lines.push([s, l]) };
}

function sh(script: string, extra: Parameters<typeof spawnProcess>[1] | object = {}) {
  const out = collect();
  const child = spawnProcess("sh", { args: ["-c", script], onLine: out.onLine, ...extra });
  return { child, lines: out.lines };
}

/**
 * True while the process exists and is not a zombie (pid 1 here may not reap orphans). Asks
 * ps: Deno reads /proc/<pid>/ only with --allow-all, which the test runner does not grant.
 */
async function isRunning(pid: number): Promise<boolean> {
  const out = await new Deno.Command("ps", { args: ["-o", "stat=", "-p", String(pid)] }).output();
  const state = new TextDecoder().decode(out.stdout).trim();
  return state !== "" && !state.startsWith("Z");
}

Deno.test("stdout and stderr arrive line by line, partial and CRLF lines included", async () => {
  const { child, lines } = sh("printf 'a\\nb\\r\\n'; printf 'err1\\n' >&2; printf 'tail'");
  const status = await child.exited;
  assert.deepEqual(status, { code: 0, signal: null });
  assert.deepEqual(lines.filter(([s]) => s === "stdout").map(([, l]) => l), ["a", "b", "tail"]);
  assert.deepEqual(lines.filter(([s]) => s === "stderr").map(([, l]) => l), ["err1"]);
});

Deno.test("a non-zero exit code is reported as the code, not as a signal", async () => {
  const { child } = sh("exit 3");
  assert.deepEqual(await child.exited, { code: 3, signal: null });
});

Deno.test("a child that handles SIGINT reports its own exit code", async () => {
  const { child, lines } = sh("trap 'echo bye; exit 130' INT; echo ready; sleep 30 & wait");
  await waitFor(() => lines.some(([, l]) => l === "ready"));
  child.kill("SIGINT");
  const status = await child.exited;
  assert.deepEqual(status, { code: 130, signal: null });
  assert.ok(lines.some(([, l]) => l === "bye"));
});

Deno.test("an unhandled SIGKILL is reported as a signal with no code", async () => {
  const { child, lines } = sh("echo ready; sleep 30");
  await waitFor(() => lines.length > 0);
  child.kill("SIGKILL");
  assert.deepEqual(await child.exited, { code: null, signal: "SIGKILL" } satisfies ExitStatus);
});

Deno.test("killing the process group also ends the child's own children", async () => {
  const { child, lines } = sh("sleep 30 & echo $!; wait", { newProcessGroup: true });
  await waitFor(() => lines.length > 0);
  const grandchild = Number(lines[0][1]);
  await waitFor(() => isRunning(grandchild));
  child.kill("SIGKILL", { group: true });
  await child.exited;
  await waitFor(async () => !(await isRunning(grandchild)));
});

Deno.test("the child sees only the inherited names and the given variables", async () => {
  Deno.env.set("CAIRN_PROCESS_TEST_LEAK", "leaked");
  try {
    const { child, lines } = sh('echo "[$CAIRN_PROCESS_TEST_LEAK][$GIVEN][$HOME]"', {
      env: { GIVEN: "given" },
      inheritEnv: ["PATH"],
    });
    await child.exited;
    assert.deepEqual(lines, [["stdout", "[][given][]"]]);
  } finally {
    Deno.env.delete("CAIRN_PROCESS_TEST_LEAK");
  }
});

Deno.test("stdout can be taken as raw bytes, in order, with a slow sink", async () => {
  const chunks: Uint8Array[] = [];
  const child = spawnProcess("seq", {
    args: ["1", "50000"],
    stdout: "bytes",
    onStdoutBytes: async (chunk) => {
      chunks.push(chunk.slice());
      await new Promise((r) => setTimeout(r, 1));
    },
  });
  assert.deepEqual(await child.exited, { code: 0, signal: null });
  const text = new TextDecoder().decode(concat(chunks));
  const expected = Array.from({ length: 50000 }, (_, i) => `${i + 1}\n`).join("");
  assert.equal(text, expected);
});

Deno.test("a lending sink gets one reused buffer, never read into while it holds it", async () => {
  const chunks: Uint8Array[] = [];
  const buffers = new Set<number>();
  let holding = false;
  const child = spawnProcess("seq", {
    args: ["1", "200000"],
    stdout: "bytes",
    onStdoutBytes: lendingChunks(async (chunk) => {
      assert.equal(holding, false);
      holding = true;
      buffers.add(chunk.buffer.byteLength);
      const before = chunk.slice();
      // Copied only after a wait: a read into the lent buffer meanwhile would show here.
      await new Promise((r) => setTimeout(r, 1));
      assert.deepEqual(chunk, before);
      chunks.push(chunk.slice());
      holding = false;
    }),
  });
  assert.deepEqual(await child.exited, { code: 0, signal: null });
  const text = new TextDecoder().decode(concat(chunks));
  assert.equal(text, Array.from({ length: 200000 }, (_, i) => `${i + 1}\n`).join(""));
  // Every read went into the same 1 MiB buffer (the size of the pipe), not a fresh chunk.
  assert.deepEqual([...buffers], [1024 * 1024]);
  assert.ok(chunks.length > 1);
});

Deno.test("a byte stdout gets a 1 MiB pipe: the tool writes ahead while the sink is busy", async () => {
  // Without it the pipe holds 64 KiB, and the tool stops until the sink takes the first chunk.
  let written!: () => void;
  const wrote = new Promise<boolean>((r) => (written = () => r(true)));
  let aheadOfSink: boolean | null = null;
  let bytes = 0;
  const child = spawnProcess("sh", {
    args: ["-c", "head -c 900000 /dev/zero; echo written >&2"],
    stdout: "bytes",
    onLine: (stream, line) => stream === "stderr" && line === "written" && written(),
    onStdoutBytes: lendingChunks(async (chunk) => {
      bytes += chunk.byteLength;
      if (aheadOfSink !== null) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 5000)));
      aheadOfSink = await Promise.race([wrote, late]);
      clearTimeout(timer);
    }),
  });
  assert.deepEqual(await child.exited, { code: 0, signal: null });
  assert.equal(bytes, 900000);
  assert.equal(aheadOfSink, true);
});

Deno.test("a program that does not exist fails with a typed start error", async () => {
  const child = spawnProcess("cairn-no-such-program", { args: [] });
  const err = await child.exited.then(() => null, (e) => e);
  assert.ok(err instanceof ProcessStartError);
  assert.equal(err.reason, "not_found");
  assert.match(err.message, /^Cannot start cairn-no-such-program: not installed/);
});

Deno.test("a missing working directory is not reported as a missing program", async () => {
  const child = spawnProcess("sh", { args: ["-c", "true"], cwd: "/nonexistent/cairn-dir" });
  const err = await child.exited.then(() => null, (e) => e);
  assert.ok(err instanceof ProcessStartError);
  assert.equal(err.reason, "no_working_dir");
});

Deno.test("the working directory is the one given", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cairn-proc-"));
  try {
    const { child, lines } = sh("pwd", { cwd: dir });
    await child.exited;
    assert.deepEqual(lines, [["stdout", dir]]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

Deno.test("the line splitter keeps unfinished text until the end", () => {
  const lines: string[] = [];
  const s = createLineSplitter((l) => lines.push(l));
  s.push("ab");
  s.push("c\nd");
  assert.deepEqual(lines, ["abc"]);
  s.push("\r\n\n");
  s.end();
  assert.deepEqual(lines, ["abc", "d", ""]);
});

Deno.test("under Node the seam reports the same exit codes, signals and lines", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cairn-proc-node-"));
  try {
    const harness = join(dir, "harness.ts");
    const seam = fileURLToPath(new URL("./process.ts", import.meta.url));
    await writeFile(harness, nodeHarness(seam));
    const bundle = join(dir, "harness.mjs");
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const build = await new Deno.Command("node", {
      args: ["--input-type=module", "-e", rolldownScript(harness, bundle)],
      cwd: root,
    }).output();
    assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
    const run = await new Deno.Command("node", { args: [bundle], cwd: root }).output();
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(run.stdout)), {
      exit3: { code: 3, signal: null },
      trapped: { code: 130, signal: null },
      killed: { code: null, signal: "SIGKILL" },
      lines: [["stdout", "a"], ["stderr", "e"], ["stdout", "b"]],
      missing: "not_found",
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

function nodeHarness(seam: string): string {
  return `import { spawnProcess } from ${JSON.stringify(seam)};
const run = (script, extra = {}) => spawnProcess("sh", { args: ["-c", script], ...extra });
const lines = [];
const exit3 = await run("exit 3").exited;
const t = run("trap 'exit 130' INT; echo ready; sleep 30 & wait", {
  onLine: () => setTimeout(() => t.kill("SIGINT"), 50),
});
const trapped = await t.exited;
const k = run("echo ready; sleep 30", { onLine: () => k.kill("SIGKILL") });
const killed = await k.exited;
await run("echo a; echo e >&2; sleep 0.2; echo b", { onLine: (s, l) => lines.push([s, l]) }).exited;
const missing = await spawnProcess("cairn-no-such-program", { args: [] }).exited
  .then(() => "started", (e) => e.reason);
console.log(JSON.stringify({ exit3, trapped, killed, lines, missing }));
`;
}

function rolldownScript(input: string, file: string): string {
  return `import { build } from "rolldown";
await build({ input: ${JSON.stringify(input)}, platform: "node", logLevel: "warn",
  output: { file: ${JSON.stringify(file)}, format: "esm" } });`;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
