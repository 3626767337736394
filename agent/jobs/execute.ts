/**
 * One job from its checked spec to its outcome: open the secrets, prepare the workspace, run
 * the pre-hook, the kind's tools, the post-hook (always, after a failure or a cancel too),
 * and clean up whatever happens. The runner around it owns the queue and the reports that
 * bracket the job; this file owns what happens in between.
 */
import type { JobSpec } from "../../server/contract/jobs.ts";
import type { AgentIdentity } from "../identity.ts";
import type { PinnedAppliance } from "../trust.ts";
import { InvalidOptionsError } from "../tools/common/result.ts";
import type { RunControl } from "../tools/common/run_tool.ts";
import type { ListingUploader } from "./listing_upload.ts";
import type { StreamUploader } from "./stream_upload.ts";
import { runBorgKind } from "./borg_steps.ts";
import { runHook } from "./hooks.ts";
import {
  jobRedactor,
  JobSecretError,
  type JobSecrets,
  openJobSecrets,
  secretValues,
} from "./job_secrets.ts";
import { cancelled, failed, type JobOutcome, type StepContext } from "./outcome.ts";
import type { JobReporter } from "./reports.ts";
import { runResticKind } from "./restic_steps.ts";
import { type JobWorkspace, prepareWorkspace } from "./workspace.ts";

export interface ExecuteDeps {
  stateDir: string;
  identity: AgentIdentity;
  pinned: PinnedAppliance;
  binaries?: { restic?: string; borg?: string };
  /** How long a cancelled tool gets to stop before it is killed (drivers' default 15 s). */
  graceMs?: number;
  now: () => number;
  /** Index jobs' listing uploads to the appliance. */
  listings?: ListingUploader;
  /** Dump jobs' byte streams to the appliance (downloads, previews). */
  streams?: StreamUploader;
}

export interface JobRun {
  spec: JobSpec;
  signal: AbortSignal;
  /** A signal that only a cancel arriving from now on aborts (the post-hook's). */
  laterCancel(): AbortSignal;
  /** Made once the secrets are open (its redactor masks them). */
  makeReporter(secrets: string[]): JobReporter;
}

export interface Executed {
  outcome: JobOutcome;
  report: JobReporter;
}

export async function executeJob(run: JobRun, deps: ExecuteDeps): Promise<Executed> {
  let secrets: JobSecrets;
  try {
    secrets = await openSecrets(run.spec, deps);
  } catch (err) {
    const report = run.makeReporter([]);
    if (!(err instanceof JobSecretError)) throw err;
    return { outcome: failed("invalid", err.message), report };
  }
  const report = run.makeReporter(secretValues(secrets));
  let workspace: JobWorkspace | undefined;
  try {
    workspace = await prepareWorkspace(deps.stateDir, { spec: run.spec, secrets });
    const ctx = stepContext(run, { deps, secrets, workspace, report });
    const outcome = run.spec.kind === "backup" && hasHooks(secrets)
      ? await backupWithHooks(ctx, { run, secrets, deps })
      : await runKind(ctx);
    return { outcome, report };
  } catch (err) {
    if (!(err instanceof InvalidOptionsError)) throw err;
    return { outcome: failed("invalid", jobRedactor(secrets).redact(err.message)), report };
  } finally {
    await workspace?.dispose();
  }
}

const openSecrets = (spec: JobSpec, deps: ExecuteDeps) => openJobSecrets(spec, deps);

const hasHooks = (s: JobSecrets) => !!(s.hooks.pre || s.hooks.post);

function runKind(ctx: StepContext): Promise<JobOutcome> {
  return ctx.spec.engine === "restic" ? runResticKind(ctx) : runBorgKind(ctx);
}

function stepContext(
  run: JobRun,
  { deps, secrets, workspace, report }: {
    deps: ExecuteDeps;
    secrets: JobSecrets;
    workspace: JobWorkspace;
    report: JobReporter;
  },
): StepContext {
  const started = deps.now();
  const limit = run.spec.timeoutMs;
  const remaining = () => (limit > 0 ? Math.max(1, started + limit - deps.now()) : undefined);
  return {
    spec: run.spec,
    setup: { spec: run.spec, secrets, workspace, binaries: deps.binaries },
    report,
    timeoutMs: limit,
    listings: deps.listings,
    streams: deps.streams,
    timedOut: () => limit > 0 && deps.now() >= started + limit,
    control: (): RunControl => ({
      signal: run.signal,
      timeoutMs: remaining(),
      graceMs: deps.graceMs,
      onEvent: (e) => report.toolEvent(e),
      onStart: (command) => report.started(command),
    }),
  };
}

async function backupWithHooks(
  ctx: StepContext,
  { run, secrets, deps }: { run: JobRun; secrets: JobSecrets; deps: ExecuteDeps },
): Promise<JobOutcome> {
  const hookOpts = {
    spec: run.spec,
    secrets: secretValues(secrets),
    signal: run.signal,
    graceMs: deps.graceMs,
    onOutput: (stream: "stdout" | "stderr", text: string) => ctx.report.hookOutput(stream, text),
  };
  let outcome: JobOutcome | undefined;
  if (secrets.hooks.pre) {
    ctx.report.started("pre-backup hook");
    const pre = await runHook("pre", {
      ...hookOpts,
      command: secrets.hooks.pre,
      timeoutMs: ctx.control().timeoutMs,
    });
    if (pre.status === "cancelled") outcome = cancelled(pre.tail);
    else if (pre.status !== "ok") {
      const why = pre.status === "timedOut"
        ? "did not finish in time and was stopped"
        : `exited with ${pre.exitCode ?? "a signal"}`;
      outcome = failed(
        "hook_failed",
        `The pre-backup hook ${why}; the backup did not run`,
        pre.tail,
      );
      outcome.exitCode = pre.exitCode;
    }
  }
  outcome ??= await runKind(ctx);
  if (!secrets.hooks.post) return outcome;
  const post = await runHook("post", {
    ...hookOpts,
    // The post hook runs after a cancel too (it may undo what pre did); a new cancel stops it.
    signal: run.laterCancel(),
    command: secrets.hooks.post,
    extraEnv: { CAIRN_JOB_STATUS: outcome.status, CAIRN_JOB_MESSAGE: outcome.message ?? "" },
  });
  if (post.status === "ok" || outcome.status !== "ok") return outcome;
  const why = post.status === "timedOut"
    ? "did not finish in time"
    : `exited with ${post.exitCode ?? "a signal"}`;
  const sentence = `The backup was made, but the post-backup hook ${why}`;
  ctx.report.note("warning", sentence);
  return { ...outcome, status: "warning", message: sentence };
}
