/**
 * A plan's pre- and post-backup hooks: `sh -c <hook>` in `/`, with the job's facts in the
 * environment (CAIRN_JOB_ID, CAIRN_JOB_KIND, CAIRN_PLAN, CAIRN_REPOSITORY, CAIRN_HOST_ID; the
 * post hook also CAIRN_JOB_STATUS and CAIRN_JOB_MESSAGE). They run through the drivers' run
 * loop, so a cancel stops them the same way (SIGINT, then SIGKILL to the group) and they have
 * a time limit (an hour). The hook's text is a secret: it is never logged, only its output,
 * redacted like everything else.
 */
import type { JobSpec } from "../../server/contract/jobs.ts";
import type { SpawnProcess } from "../platform/process.ts";
import { spawnProcess } from "../platform/process.ts";
import type { DriverEvent, LineParser } from "../tools/common/events.ts";
import { runTool } from "../tools/common/run_tool.ts";

export const HOOK_TIMEOUT_MS = 3600_000;

export interface HookRun {
  /** ok: exit 0; failed: another exit code or a signal; cancelled; timedOut. */
  status: "ok" | "failed" | "cancelled" | "timedOut";
  exitCode: number | null;
  tail: string;
}

export async function runHook(
  which: "pre" | "post",
  opts: {
    command: string;
    spec: JobSpec;
    extraEnv?: Record<string, string>;
    secrets: string[];
    signal?: AbortSignal;
    timeoutMs?: number;
    graceMs?: number;
    onOutput: (stream: "stdout" | "stderr", text: string) => void;
    spawn?: SpawnProcess;
  },
): Promise<HookRun> {
  const { spec } = opts;
  const env: Record<string, string> = {
    CAIRN_JOB_ID: spec.jobId,
    CAIRN_JOB_KIND: spec.kind,
    CAIRN_PLAN: spec.plan?.name ?? "",
    CAIRN_REPOSITORY: spec.repository.name,
    CAIRN_HOST_ID: spec.hostId,
    ...opts.extraEnv,
  };
  const run = await runTool({
    tool: "hook",
    operation: which,
    binary: "sh",
    args: ["-c", opts.command],
    env,
    cwd: "/",
    secrets: opts.secrets,
    parser: textParser(),
  }, {
    signal: opts.signal,
    timeoutMs: Math.min(opts.timeoutMs ?? HOOK_TIMEOUT_MS, HOOK_TIMEOUT_MS),
    graceMs: opts.graceMs,
    onEvent: (e) => e.type === "text" && opts.onOutput(e.stream, e.text),
  }, { spawn: opts.spawn ?? spawnProcess, clock: { now: () => Date.now() } });
  const exitCode = run.exit?.code ?? null;
  const tail = run.tail.text();
  if (run.cancelled) return { status: "cancelled", exitCode, tail };
  if (run.timedOut) return { status: "timedOut", exitCode, tail };
  if (run.startError) return { status: "failed", exitCode: null, tail: run.startError.message };
  return { status: exitCode === 0 ? "ok" : "failed", exitCode, tail };
}

function textParser(): LineParser<undefined> {
  return {
    push: (stream, text): DriverEvent[] => (text.trim() ? [{ type: "text", stream, text }] : []),
    finish: () => undefined,
  };
}
