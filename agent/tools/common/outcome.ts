/**
 * The parts of turning a finished ToolRun into a RunResult that do not depend on the tool:
 * the fields every result has, and the outcomes decided before the exit code is read (the
 * tool never started, was cancelled, was stopped for a fatal line, or ran out of time).
 */
import type { FailureExplanation, RunResult } from "./result.ts";
import type { ToolRun } from "./run_tool.ts";

export function baseResult<R>(
  run: ToolRun<R>,
  { tool, operation, command }: { tool: string; operation: string; command: string },
): RunResult<R> {
  return {
    tool,
    operation,
    status: "failed",
    exitCode: run.exit?.code ?? null,
    signal: run.exit?.signal ?? null,
    result: run.result,
    tail: run.tail.text(),
    command,
    durationMs: run.durationMs,
    timedOut: run.timedOut,
    forcedKill: run.forcedKill,
  };
}

export type Outcome = Pick<RunResult<unknown>, "status" | "failure">;

/** Undefined when the exit code decides; `explain` reads the output for a timed-out run. */
export function earlyOutcome(
  run: ToolRun<unknown>,
  { tool, explain }: { tool: string; explain: (lines: string[]) => FailureExplanation },
): Outcome | undefined {
  if (run.startError) {
    return { status: "failed", failure: { code: "unknown", message: run.startError.message } };
  }
  if (run.cancelled) return { status: "cancelled" };
  if (run.stoppedFor) return { status: "failed", failure: run.stoppedFor };
  if (!run.timedOut) return undefined;
  const explained = explain(run.tail.rawLines());
  const failure = explained.code === "unknown"
    ? { code: "unknown" as const, message: `${tool} did not finish in time and was stopped` }
    : explained;
  return { status: "failed", failure: redactFailure(failure, run) };
}

export function redactFailure(f: FailureExplanation, run: ToolRun<unknown>): FailureExplanation {
  return { code: f.code, message: run.redactor.redact(f.message) };
}
