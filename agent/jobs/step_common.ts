/** Pieces both engines' steps share: retention checks, times, the listing after a change. */
import type { Retention } from "../../server/contract/jobs.ts";
import { type JobOutcome, type StepContext, worse } from "./outcome.ts";

export const NO_RETENTION = "This plan keeps every snapshot: set a retention rule first";
const MAX_REMOVED_IDS = 100;

export function hasRetention(r: Retention): boolean {
  return Object.values(r).some((x) => x !== undefined);
}

/** Milliseconds from a tool's ISO time (restic writes nanoseconds; Date takes milliseconds). */
export function isoMs(time: string): number {
  const trimmed = time.replace(/(\.\d{3})\d+/, "$1");
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(trimmed) ? trimmed : `${trimmed}Z`);
  return Number.isFinite(ms) ? ms : 0;
}

/** forget's result: counts, and the removed ids (the first hundred; `more` says how many not). */
export function removedResult(kept: number, removed: string[]): Record<string, unknown> {
  const ids = removed.slice(0, MAX_REMOVED_IDS);
  return {
    kept,
    removed: removed.length,
    removedIds: ids,
    ...(removed.length > ids.length ? { moreRemoved: removed.length - ids.length } : {}),
  };
}

/**
 * Runs the listing after a successful change; a listing that fails turns the job's ok into a
 * warning (the change was made) with a sentence, and a cancel during it ends the job cancelled.
 */
export async function refreshListing(
  ctx: Pick<StepContext, "report">,
  out: JobOutcome,
  list: () => Promise<JobOutcome>,
): Promise<JobOutcome> {
  const listed = await list();
  if (listed.status === "cancelled") return { ...out, status: "cancelled", message: null };
  if (listed.status === "ok") return out;
  const sentence = `The snapshot list could not be refreshed afterwards: ${
    listed.message ?? "the listing failed"
  }`;
  ctx.report.note("warning", sentence);
  return {
    ...out,
    status: worse(out.status, "warning"),
    message: [out.message, sentence].filter(Boolean).join(". "),
  };
}
