/**
 * The `drill` kind for both engines: a restore drill. The tool restores exactly the sampled
 * files into a scratch directory inside the job's own workspace (restic `restore --verify`,
 * which reads the restored files back against the snapshot; borg `extract`, which checks every
 * chunk's MAC as it goes), then each file is checked: it is there, it is a regular file, and
 * its size is what the snapshot recorded. Where the file at its original path on this host
 * still has the snapshot's size and mtime, nothing has changed it since the backup, so its bytes
 * must equal the restored ones; a live file that changed is skipped, not counted against the
 * backup. The scratch directory goes whatever happens. Any mismatch, or the tool failing (a
 * damaged repository), fails the job with a plain sentence.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import * as fs from "node:fs/promises";
import { join } from "node:path";
import type { DrillMismatch, DrillResult } from "../../server/contract/drills.ts";
import type { DrillSpec } from "../../server/contract/jobs.ts";
import { borgDriverFor, resticDriverFor } from "./drivers.ts";
import { failed, type JobOutcome, outcomeOf, type StepContext } from "./outcome.ts";
import { escapeResticPattern } from "./restore_steps.ts";

type DrillFile = DrillSpec["files"][number];

/** Where a drill's files are restored: inside the job's workspace, removed with it. */
export const drillScratchDir = (workspaceDir: string) => join(workspaceDir, "drill");

export async function runDrill(ctx: StepContext): Promise<JobOutcome> {
  const { drill, snapshot } = ctx.spec;
  if (!drill || !snapshot) return failed("invalid", "A drill needs a snapshot and its files");
  if (drill.files.some((f) => f.path.split("/").some((s) => s === "." || s === ".."))) {
    return failed("invalid", "A drill path must be absolute, without . or .. segments");
  }
  const scratch = drillScratchDir(ctx.setup.workspace.dir);
  const started = performance.now();
  try {
    await fs.rm(scratch, { recursive: true, force: true });
    await fs.mkdir(scratch, { recursive: true, mode: 0o700 });
    phase(ctx, `Restoring ${drill.files.length} sampled files`);
    const out = await extract(ctx, { scratch, files: drill.files, id: snapshot.id });
    if (out.status === "cancelled") return out;
    phase(ctx, "Checking the restored files");
    // Live files are this host's only when the snapshot is this host's own backup.
    const sameHost = !snapshot.hostId || snapshot.hostId === ctx.spec.hostId;
    const checks = await checkFiles(scratch, drill.files, sameHost);
    const durationMs = Math.max(1, Math.round(performance.now() - started));
    const result: DrillResult = {
      checked: drill.files.length,
      mismatches: checks.mismatches,
      bytes: checks.bytes,
      durationMs,
      throughput: Math.round(checks.bytes / (durationMs / 1000)),
      liveCompared: checks.liveCompared,
      liveSkipped: checks.liveSkipped,
    };
    out.result = result as unknown as Record<string, unknown>;
    return judge(ctx, out, result);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

function judge(ctx: StepContext, out: JobOutcome, r: DrillResult): JobOutcome {
  const n = r.mismatches.length;
  const sentence = n > 0
    ? `${n} of ${r.checked} file${r.checked === 1 ? "" : "s"} did not match the snapshot`
    : null;
  for (const m of r.mismatches.slice(0, 20)) ctx.report.note("error", `${m.path}: ${m.why}`);
  if (out.status === "failed") {
    const tool = ctx.spec.engine;
    out.message = [sentence, `${tool} could not restore the sample: ${out.message ?? "it failed"}`]
      .filter(Boolean).join(". ");
    out.failureCode = out.failureCode ?? "unknown";
    return out;
  }
  if (sentence) {
    return { ...out, status: "failed", failureCode: "unknown", message: sentence };
  }
  ctx.report.toolEvent({
    type: "progress",
    percent: 100,
    files: r.checked,
    bytes: r.bytes,
    phase: "Done",
  });
  return { ...out, status: "ok", message: null, failureCode: null };
}

function phase(ctx: StepContext, text: string) {
  ctx.report.note("info", text);
  ctx.report.toolEvent({ type: "progress", percent: null, phase: text });
}

async function extract(
  ctx: StepContext,
  o: { scratch: string; files: DrillFile[]; id: string },
): Promise<JobOutcome> {
  if (ctx.spec.engine === "restic") {
    const r = await resticDriverFor(ctx.setup).run("restore", {
      snapshot: o.id,
      target: o.scratch,
      include: o.files.map((f) => escapeResticPattern(f.path)),
      verify: true,
    }, ctx.control());
    return outcomeOf(ctx, r);
  }
  const r = await borgDriverFor(ctx.setup).run("restore", {
    archive: o.id,
    target: o.scratch,
    paths: o.files.map((f) => f.path.replace(/^\/+/, "")),
  }, ctx.control());
  return outcomeOf(ctx, r);
}

interface Checks {
  mismatches: DrillMismatch[];
  bytes: number;
  liveCompared: number;
  liveSkipped: number;
}

async function checkFiles(scratch: string, files: DrillFile[], live: boolean): Promise<Checks> {
  const c: Checks = { mismatches: [], bytes: 0, liveCompared: 0, liveSkipped: 0 };
  for (const f of files) {
    const why = await checkOne(join(scratch, f.path), f, { c, live });
    if (why) c.mismatches.push({ path: f.path, why });
  }
  return c;
}

/** Why one file does not hold up, or null. Counts bytes and live comparisons into `c`. */
async function checkOne(
  restored: string,
  f: DrillFile,
  { c, live }: { c: Checks; live: boolean },
): Promise<string | null> {
  const st = await fs.lstat(restored).catch(() => null);
  if (!st) return "not restored";
  if (!st.isFile()) return "restored as something other than a regular file";
  c.bytes += st.size;
  if (st.size !== f.size) return `size ${f.size} in the snapshot, ${st.size} restored`;
  if (!live) return null;
  const now = await fs.lstat(f.path).catch(() => null);
  const unchanged = now?.isFile() && now.size === f.size && f.mtime !== null &&
    Math.abs(now.mtimeMs - f.mtime) < 1;
  if (!unchanged) {
    c.liveSkipped++;
    return null;
  }
  c.liveCompared++;
  const [a, b] = await Promise.all([sha256(restored), sha256(f.path)]);
  if (a === null || b === null) return null; // unreadable live file: nothing to compare
  return a === b ? null : "differs from the live file, which has the snapshot's size and mtime";
}

function sha256(path: string): Promise<string | null> {
  return new Promise((resolve) => {
    const h = createHash("sha256");
    createReadStream(path)
      .on("data", (d) => h.update(d))
      .on("end", () => resolve(h.digest("hex")))
      .on("error", () => resolve(null));
  });
}
