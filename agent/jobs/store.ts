/**
 * The runner's state files under `<stateDir>/jobs/`. A `job.run` command is acknowledged as
 * soon as it is accepted and is never delivered again, so every accepted job is written to
 * disk first (`<jobId>.json`: the spec as received, its secrets still sealed) and removed only
 * once its `job.finished` report is in the outbox. A file still marked running at start means
 * the agent stopped while that job ran. `finished.json` remembers the last ids that ran, so a
 * repeated id is ignored.
 */
import * as v from "valibot";
import { join } from "node:path";
import { JobIdSchema } from "../../server/contract/agent.ts";
import { ensureStateDir, readJson, writeJsonAtomic } from "../state_files.ts";
import { listNames, removeTree } from "./files.ts";

const StoredJobSchema = v.object({
  version: v.literal(1),
  jobId: JobIdSchema,
  seq: v.number(),
  acceptedAt: v.number(),
  state: v.picklist(["queued", "running"]),
  startedAt: v.optional(v.number()),
  /** As received; checked again with JobSpecSchema when it runs. */
  spec: v.record(v.string(), v.unknown()),
});
export type StoredJob = v.InferOutput<typeof StoredJobSchema>;

const FinishedSchema = v.object({ ids: v.array(JobIdSchema) });
const FINISHED_KEPT = 1000;

export function createJobStore(stateDir: string) {
  const dir = join(stateDir, "jobs");
  const fileOf = (jobId: string) => join(dir, `${jobId}.json`);
  const finishedFile = join(dir, "finished.json");
  let finished: string[] | null = null;

  async function finishedIds(): Promise<string[]> {
    finished ??= (await readJson(finishedFile, FinishedSchema))?.ids ?? [];
    return finished;
  }

  return {
    dir,
    async init(): Promise<void> {
      await ensureStateDir(dir);
    },
    /** Every stored job, oldest accepted first. A damaged file is skipped and named. */
    async list(onDamaged: (name: string) => void): Promise<StoredJob[]> {
      const jobs: StoredJob[] = [];
      for (const name of await listNames(dir)) {
        if (!name.endsWith(".json") || name === "finished.json") continue;
        try {
          const job = await readJson(join(dir, name), StoredJobSchema);
          if (job) jobs.push(job);
        } catch {
          onDamaged(name);
          await removeTree(join(dir, name));
        }
      }
      return jobs.sort((a, b) => a.seq - b.seq);
    },
    save: (job: StoredJob) => writeJsonAtomic(fileOf(job.jobId), job),
    remove: (jobId: string) => removeTree(fileOf(jobId)),
    async hasFinished(jobId: string): Promise<boolean> {
      return (await finishedIds()).includes(jobId);
    },
    async markFinished(jobId: string): Promise<void> {
      const ids = await finishedIds();
      ids.push(jobId);
      if (ids.length > FINISHED_KEPT) ids.splice(0, ids.length - FINISHED_KEPT);
      await writeJsonAtomic(finishedFile, { ids });
    },
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
