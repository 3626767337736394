/**
 * The dispatcher: hands hosts their next jobs. Deciding and marking `sent` happen in one
 * immediate transaction (repo.claimJobs), so a job is never sent twice; building the spec and
 * queueing the `job.run` command follow. A stop between the two leaves a `sent` job without a
 * command, which start() puts back in the queue. Runs are serialised in this process: a call
 * while one runs makes exactly one more run after it.
 */
import type { Actor } from "../audit/service.ts";
import { SYSTEM_ACTOR } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import type { JobSpec } from "../contract/jobs.ts";
import type { Logger } from "../log.ts";
import type { JobsRepo } from "./repo.ts";
import { buildJobSpec, SpecError } from "./spec.ts";
import type { SpecDeps } from "./spec.ts";
import { pickStartable } from "./views.ts";

export interface CommandQueue {
  queueCommand(
    actor: Actor,
    hostId: string,
    input: { kind: string; jobId?: string | null; args?: Record<string, unknown> },
  ): Promise<unknown>;
}

export function createDispatcher(deps: {
  repo: JobsRepo;
  spec: Omit<SpecDeps, "repo" | "now">;
  channel: () => CommandQueue;
  clock: Clock;
  log?: Logger;
  /** A job failed before it was sent (its spec could not be built). */
  onFailed(jobId: string, message: string): Promise<void>;
  /** A job was sent. */
  onSent(jobId: string): void;
}) {
  const { repo, clock } = deps;
  let running: Promise<void> | null = null;
  let again = false;

  async function sendOne(jobId: string) {
    const job = await repo.findJob(jobId);
    if (!job) return;
    const [host] = await repo.findHosts({ ids: [job.hostId] });
    let spec: JobSpec;
    try {
      if (!host) throw new SpecError("The host was removed");
      spec = await buildJobSpec({ ...deps.spec, repo, now: clock.now }, job, host);
    } catch (err) {
      const message = err instanceof SpecError
        ? err.message
        : "The job could not be prepared; the appliance's log has the reason";
      if (!(err instanceof SpecError)) {
        deps.log?.error("job spec failed", { jobId, error: err });
      }
      await deps.onFailed(jobId, message);
      return;
    }
    await deps.channel().queueCommand(SYSTEM_ACTOR, job.hostId, {
      kind: "job.run",
      jobId,
      args: { spec },
    });
    deps.onSent(jobId);
  }

  async function runOnce() {
    const ids = await repo.claimJobs(clock.now(), pickStartable);
    for (const id of ids) {
      try {
        await sendOne(id);
      } catch (err) {
        deps.log?.error("job dispatch failed", { jobId: id, error: err });
        await deps.onFailed(id, "The job could not be sent; the appliance's log has the reason");
      }
    }
    return ids.length;
  }

  /** Runs the dispatcher now (or once more after the current run). */
  function dispatch(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          const sent = await runOnce();
          // A failed send frees its host at once: look again for what may follow it.
          if (sent > 0) again = true;
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return { dispatch };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
