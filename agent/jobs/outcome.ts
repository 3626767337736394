/**
 * What a job step ends with, in the terms of the `job.finished` report, and what every step
 * gets to run its tools: the spec, the driver setup, the reporter, and the run control (the
 * job's cancel signal, its remaining time, the event and start callbacks).
 */
import type { FailureCode, JobEndStatus, JobSpec } from "../../server/contract/jobs.ts";
import type { RunResult } from "../tools/common/result.ts";
import type { RunControl } from "../tools/common/run_tool.ts";
import type { DriverSetup } from "./drivers.ts";
import type { ListingUploader } from "./listing_upload.ts";
import type { StreamUploader } from "./stream_upload.ts";
import type { JobReporter } from "./reports.ts";

export interface JobOutcome {
  status: JobEndStatus;
  exitCode: number | null;
  message: string | null;
  failureCode: FailureCode | null;
  tail: string;
  snapshotId?: string;
  result?: Record<string, unknown>;
}

export interface StepContext {
  spec: JobSpec;
  setup: DriverSetup;
  report: JobReporter;
  /** The control for the next tool run: cancel signal, remaining time, callbacks. */
  control(): RunControl;
  /** Set once the job's time limit has passed. */
  timedOut(): boolean;
  /** The job's time limit in ms (0: none), for the message. */
  timeoutMs: number;
  /** Sends an index job's listing to the appliance; absent where the agent has no uploads. */
  listings?: ListingUploader;
  /** Sends a dump job's bytes to the appliance; absent where the agent has no uploads. */
  streams?: StreamUploader;
}

export function failed(failureCode: FailureCode, message: string, tail = ""): JobOutcome {
  return { status: "failed", exitCode: null, message, failureCode, tail };
}

export function cancelled(tail = ""): JobOutcome {
  return { status: "cancelled", exitCode: null, message: null, failureCode: null, tail };
}

/** The outcome of one tool run, as the job's outcome. */
export function outcomeOf(
  ctx: Pick<StepContext, "timedOut" | "timeoutMs">,
  run: RunResult<unknown>,
): JobOutcome {
  const out: JobOutcome = {
    status: run.status,
    exitCode: run.exitCode,
    message: null,
    failureCode: null,
    tail: run.tail,
  };
  if (run.status === "warning") out.message = run.warning ?? null;
  if (run.status === "failed") {
    if (run.timedOut && ctx.timedOut()) {
      out.failureCode = "timeout";
      out.message = `The job did not finish within its time limit (${
        describeMs(ctx.timeoutMs)
      }) and was stopped`;
    } else {
      out.failureCode = run.failure?.code ?? "unknown";
      out.message = run.failure?.message ?? `${run.tool} ${run.operation} failed`;
    }
  }
  if (run.lockCleanup && run.lockCleanup.action !== "none") {
    out.message = [out.message, run.lockCleanup.detail].filter(Boolean).join(". ");
  }
  return out;
}

/** The worse of two statuses, for a job made of several runs. */
export function worse(a: JobEndStatus, b: JobEndStatus): JobEndStatus {
  const rank: Record<JobEndStatus, number> = { ok: 0, warning: 1, failed: 2, cancelled: 3 };
  return rank[a] >= rank[b] ? a : b;
}

function describeMs(ms: number): string {
  if (ms % 3600_000 === 0) return `${ms / 3600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

/** A run that did not end ok or with a warning stops the job here. */
export const stopsJob = (o: JobOutcome) => o.status === "failed" || o.status === "cancelled";
