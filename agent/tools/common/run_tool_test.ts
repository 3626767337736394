import assert from "node:assert/strict";
import { spawnProcess } from "../../platform/process.ts";
import type { DriverEvent, LineParser } from "./events.ts";
import { type RunControl, runTool, type ToolCommand } from "./run_tool.ts";

const textParser = (): LineParser<{ lines: number }> => {
  let lines = 0;
  return {
    push: (stream, text) => (lines++, [{ type: "text", stream, text }]),
    finish: () => ({ lines }),
  };
};

function shTool(script: string, extra: Partial<ToolCommand<{ lines: number }>> = {}) {
  return {
    tool: "sh",
    operation: "test",
    binary: "sh",
    args: ["-c", script],
    env: { TOOL_SECRET: "s3cret-value-123" },
    secrets: ["s3cret-value-123"],
    parser: textParser(),
    ...extra,
  } satisfies ToolCommand<{ lines: number }>;
}

const deps = { spawn: spawnProcess, clock: { now: () => Date.now() } };

async function go(script: string, control: RunControl = {}, extra = {}) {
  const events: DriverEvent[] = [];
  const run = await runTool(
    shTool(script, extra),
    { onEvent: (e) => events.push(e), ...control },
    deps,
  );
  return { run, events };
}

Deno.test("secrets given to the tool are masked in events, tail and command", async () => {
  const { run, events } = await go('echo "pw=$TOOL_SECRET"; echo "$TOOL_SECRET" >&2', {}, {
    args: ["-c", 'echo "pw=$TOOL_SECRET"; echo "$TOOL_SECRET" >&2', "s3cret-value-123"],
  });
  assert.deepEqual(run.exit, { code: 0, signal: null });
  assert.deepEqual(events.map((e) => (e as { text: string }).text).sort(), ["***", "pw=***"]);
  assert.ok(!run.tail.text().includes("s3cret"));
  assert.ok(!run.command.includes("s3cret") && run.command.endsWith(" ***"));
  assert.deepEqual(run.result, { lines: 2 });
});

Deno.test("cancel sends SIGINT first; a tool that handles it is not killed", async () => {
  const abort = new AbortController();
  const { run } = await go(
    "trap 'echo stopping; kill $! 2>/dev/null; exit 130' INT; echo started; sleep 30 & wait",
    {
      signal: abort.signal,
      onEvent: (e) => e.type === "text" && e.text === "started" ? abort.abort() : undefined,
    },
  );
  assert.equal(run.cancelled, true);
  assert.equal(run.forcedKill, false);
  assert.deepEqual(run.exit, { code: 130, signal: null });
  assert.ok(run.tail.text().split("\n").includes("stopping"), run.tail.text());
});

Deno.test("a tool that ignores SIGINT is killed with its process group after the grace period", async () => {
  const abort = new AbortController();
  const { run } = await go("trap '' INT; echo started; sleep 30", {
    signal: abort.signal,
    graceMs: 200,
    onEvent: () => abort.abort(),
  });
  assert.equal(run.cancelled, true);
  assert.equal(run.forcedKill, true);
  assert.deepEqual(run.exit, { code: null, signal: "SIGKILL" });
});

Deno.test("a run that outlives its time limit is stopped and marked timed out", async () => {
  const { run } = await go("trap 'kill $! 2>/dev/null; exit 130' INT; sleep 30 & wait", {
    timeoutMs: 200,
  });
  assert.equal(run.timedOut, true);
  assert.equal(run.cancelled, false);
  assert.equal(run.exit?.code, 130);
});

Deno.test("a fatal line stops the tool at once with the explanation", async () => {
  const fatalLine = (l: string) =>
    l.startsWith("retrying")
      ? { code: "permission_denied" as const, message: "refused" }
      : undefined;
  const { run } = await go(
    "trap 'kill $! 2>/dev/null; exit 130' INT; echo 'retrying after 1s' >&2; sleep 30 & wait",
    {},
    {
      fatalLine,
    },
  );
  assert.deepEqual(run.stoppedFor, { code: "permission_denied", message: "refused" });
  assert.equal(run.exit?.code, 130);
});

Deno.test("a missing binary and an already aborted signal end without a crash", async () => {
  const missing = await runTool(shTool("", { binary: "cairn-no-such-tool" }), {}, deps);
  assert.equal(missing.startError?.reason, "not_found");
  const abort = new AbortController();
  abort.abort();
  const never = await runTool(shTool("echo should-not-run"), { signal: abort.signal }, deps);
  assert.equal(never.cancelled, true);
  assert.equal(never.exit, undefined);
  assert.equal(never.tail.text(), "");
});

Deno.test("a throwing event callback is reported after the tool ended, not mid-run", async () => {
  await assert.rejects(
    runTool(shTool("echo one; echo two"), {
      onEvent: () => {
        throw new Error("callback bug");
      },
    }, deps),
    /callback bug/,
  );
});
