/**
 * The `index` kind: list one snapshot (`restic ls --json <id>`, `borg list --json-lines
 * <repo>::<archive>`) and stream the tool's stdout to the appliance as the body of the listing
 * upload, as it comes. The appliance indexes it and answers with what it counted, which becomes
 * the job's result. A refused or failed upload stops the tool and fails the job; a failed tool
 * breaks the body, so the appliance keeps nothing of a partial listing.
 */
import type { IndexJobResult } from "../../server/contract/index_api.ts";
import { borgDriverFor, resticDriverFor } from "./drivers.ts";
import { createBodyPipe } from "./listing_upload.ts";
import { failed, type JobOutcome, outcomeOf, type StepContext, stopsJob } from "./outcome.ts";

type Upload = { ok: true; result: IndexJobResult } | { ok: false; message: string };

export async function runIndex(ctx: StepContext): Promise<JobOutcome> {
  const snapshot = ctx.spec.snapshot?.id;
  if (!snapshot) return failed("invalid", "An index job needs a snapshot");
  if (!ctx.listings) return failed("invalid", "This agent cannot upload listings");
  const pipe = createBodyPipe();
  const stopUpload = new AbortController();
  const stopTool = new AbortController();
  const uploading: Promise<Upload> = ctx.listings.upload(ctx.spec.jobId, {
    format: ctx.spec.engine,
    body: pipe.body,
    signal: stopUpload.signal,
  }).then(
    (r): Upload => ({
      ok: true,
      result: {
        entries: r.entries,
        directories: r.directories,
        totalSize: r.totalSize,
        skipped: r.skipped,
      },
    }),
    (err): Upload => {
      stopTool.abort();
      return { ok: false, message: (err as Error).message };
    },
  );
  const control = ctx.control();
  const signal = control.signal
    ? AbortSignal.any([control.signal, stopTool.signal])
    : stopTool.signal;
  const output = (chunk: Uint8Array) => pipe.write(chunk);
  const run = ctx.spec.engine === "restic"
    ? await resticDriverFor(ctx.setup).run("ls", { snapshot, output }, { ...control, signal })
    : await borgDriverFor(ctx.setup).run("ls", { archive: snapshot, output }, {
      ...control,
      signal,
    });
  const out = outcomeOf(ctx, run);
  if (stopsJob(out)) {
    pipe.fail(new Error("The listing stopped"));
    stopUpload.abort();
  } else pipe.close();
  const up = await uploading;
  if (control.signal?.aborted || (stopsJob(out) && !stopTool.signal.aborted)) return out;
  if (!up.ok) {
    return failed("unknown", `The appliance did not index the listing: ${up.message}`, out.tail);
  }
  out.result = { ...up.result };
  return out;
}
