/**
 * The local scheduler's state files under `<stateDir>/schedule/` (mode 0600, written atomically,
 * read back through schemas like any input):
 *
 * - `document.json`: the last schedule document the agent applied, as received, and when. Its
 *   job specs carry only SealedSecrets, so nothing secret is on disk in the clear.
 * - `state.json`: per entry, when it was applied, the run time it last stood for, and the job
 *   it last fired — small, rewritten on every fire. A fire writes its intent (`pending`: the job
 *   id and what its `job.scheduled` report says) here before anything else, so a crash between
 *   deciding and enqueueing is finished at the next start instead of firing again.
 *
 * The document is written before the state: a crash between the two leaves new entries without
 * state, and they start from the document's `appliedAt`, as they would have.
 */
import * as v from "valibot";
import { join } from "node:path";
import { JobIdSchema } from "../../server/contract/agent.ts";
import {
  type ScheduleDocument,
  ScheduleDocumentSchema,
  type ScheduleEntry,
} from "../../server/contract/schedules.ts";
import { ensureStateDir, readJson, writeJsonAtomic } from "../state_files.ts";
import { timingOf } from "./decide.ts";

const Ms = v.pipe(v.number(), v.integer());

const StoredDocumentSchema = v.object({
  appliedAt: Ms,
  document: ScheduleDocumentSchema,
});
export type StoredDocument = v.InferOutput<typeof StoredDocumentSchema>;

const PendingFireSchema = v.object({
  jobId: JobIdSchema,
  scheduledFor: Ms,
  firedAt: Ms,
  catchUp: v.boolean(),
  offline: v.boolean(),
});
export type PendingFire = v.InferOutput<typeof PendingFireSchema>;

const EntryStateSchema = v.object({
  /** When this entry (with its current timing) was applied: no run before it counts. */
  since: Ms,
  /** cron, zone and jitter the state was made for; a change starts the entry afresh. */
  timing: v.string(),
  /** The run time (before jitter) of the last run fired, skipped or caught up. */
  lastScheduledFor: v.nullable(Ms),
  lastJobId: v.nullable(JobIdSchema),
  lastFiredAt: v.nullable(Ms),
  /** A fire decided and written, not yet known to be enqueued. */
  pending: v.nullable(PendingFireSchema),
});
export type EntryState = v.InferOutput<typeof EntryStateSchema>;

const StateFileSchema = v.object({ entries: v.record(v.string(), EntryStateSchema) });
export type EntryStates = Record<string, EntryState>;

/**
 * The states for a document's entries: an entry seen before keeps its state; a new one, or one
 * whose timing changed, counts its runs from `at` (keeping what it last ran, for the
 * still-running check). At start this also mends a crash between writing the document and
 * its states.
 */
export function carryStates(
  entries: ScheduleEntry[],
  old: EntryStates,
  at: number,
): EntryStates {
  const out: EntryStates = {};
  for (const e of entries) {
    const was = old[e.scheduleId];
    const timing = timingOf(e);
    out[e.scheduleId] = was && was.timing === timing ? was : {
      since: at,
      timing,
      lastScheduledFor: was?.lastScheduledFor ?? null,
      lastJobId: was?.lastJobId ?? null,
      lastFiredAt: was?.lastFiredAt ?? null,
      pending: null,
    };
  }
  return out;
}

export function createScheduleStore(stateDir: string) {
  const dir = join(stateDir, "schedule");
  const documentFile = join(dir, "document.json");
  const stateFile = join(dir, "state.json");
  return {
    dir,
    init: () => ensureStateDir(dir),
    readDocument: (): Promise<StoredDocument | null> =>
      readJson(documentFile, StoredDocumentSchema),
    writeDocument: (doc: ScheduleDocument, appliedAt: number) =>
      writeJsonAtomic(documentFile, { appliedAt, document: doc }),
    async readStates(): Promise<EntryStates> {
      return (await readJson(stateFile, StateFileSchema))?.entries ?? {};
    },
    writeStates: (entries: EntryStates) => writeJsonAtomic(stateFile, { entries }),
  };
}

export type ScheduleStore = ReturnType<typeof createScheduleStore>;
