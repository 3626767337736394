/**
 * The `restore` kind for both engines: the tool extracts the chosen snapshot paths into a
 * fresh staging directory inside the target (restic `restore --target <staging> --include`,
 * borg `extract` with cwd = staging and the paths without their leading "/"), then
 * restore_place.ts moves each entry into place by the overwrite policy and the staging
 * directory goes, whatever happened. restic 0.14 prints no restore progress, so the job
 * reports its phases and, while placing, the count of entries done.
 */
import * as fs from "node:fs/promises";
import type { RestoreSpec } from "../../server/contract/jobs.ts";
import type { BorgDriver } from "../tools/borg/driver.ts";
import type { ResticDriver } from "../tools/restic/driver.ts";
import { borgDriverFor, resticDriverFor } from "./drivers.ts";
import { failed, type JobOutcome, outcomeOf, type StepContext, stopsJob } from "./outcome.ts";
import { placeRestored, stagingDirFor } from "./restore_place.ts";

export async function runRestore(ctx: StepContext): Promise<JobOutcome> {
  const { restore, snapshot, jobId } = ctx.spec;
  if (!restore || !snapshot) return failed("invalid", "A restore needs a snapshot and a target");
  const bad = badPath(restore);
  if (bad) return failed("invalid", bad);
  const staging = stagingDirFor(restore.targetDir, jobId);
  try {
    await fs.mkdir(restore.targetDir, { recursive: true });
    // The appliance checked the target against the host's roots by its name: a symlink on
    // the way (root/x -> /etc) would send the restore elsewhere.
    if (await fs.realpath(restore.targetDir) !== restore.targetDir) {
      return failed("invalid", `The restore target goes through a symlink: ${restore.targetDir}`);
    }
    await fs.rm(staging, { recursive: true, force: true });
    await fs.mkdir(staging, { mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    return failed(
      code === "EACCES" || code === "EPERM" ? "permission_denied" : "unknown",
      `The restore target could not be prepared (${code}): ${restore.targetDir}`,
    );
  }
  try {
    phase(ctx, "Extracting from the snapshot");
    const out = ctx.spec.engine === "restic"
      ? await extractRestic(ctx, resticDriverFor(ctx.setup), { staging, restore, id: snapshot.id })
      : await extractBorg(ctx, borgDriverFor(ctx.setup), { staging, restore, id: snapshot.id });
    if (stopsJob(out)) return out;
    phase(ctx, "Putting files in place");
    const placed = await placeRestored({
      staging,
      targetDir: restore.targetDir,
      overwrite: restore.overwrite,
      remap: restore.remap,
      onProgress: (files) => ctx.report.toolEvent({ type: "progress", percent: null, files }),
    });
    const { refused, ...figures } = placed;
    out.result = { ...figures, ...(refused.length ? { refused } : {}) };
    if (refused.length) {
      const sentence = `${refused.length} path${
        refused.length === 1 ? " was" : "s were"
      } refused: a symlink in the target leads outside it`;
      ctx.report.note("warning", sentence);
      out.status = out.status === "ok" ? "warning" : out.status;
      out.message = [out.message, sentence].filter(Boolean).join(". ");
    }
    ctx.report.toolEvent({
      type: "progress",
      percent: 100,
      files: figures.restored + figures.replaced + figures.skipped,
      bytes: figures.bytes,
      phase: "Done",
    });
    return out;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

function phase(ctx: StepContext, text: string) {
  ctx.report.note("info", text);
  ctx.report.toolEvent({ type: "progress", percent: null, phase: text });
}

/** The appliance checks these; the agent checks again, since it writes as root. */
function badPath(r: RestoreSpec): string | null {
  const all = [r.targetDir, ...r.paths, ...(r.remap ?? []).flatMap((m) => [m.from, m.to])];
  for (const p of all) {
    if (!p.startsWith("/") || p.split("/").some((s) => s === ".." || s === ".")) {
      return "A restore path must be absolute, without . or .. segments";
    }
  }
  return null;
}

async function extractRestic(
  ctx: StepContext,
  d: ResticDriver,
  o: { staging: string; restore: RestoreSpec; id: string },
): Promise<JobOutcome> {
  const r = await d.run("restore", {
    snapshot: o.id,
    target: o.staging,
    include: o.restore.paths.filter((p) => p !== "/").map(escapeResticPattern),
  }, ctx.control());
  return outcomeOf(ctx, r);
}

async function extractBorg(
  ctx: StepContext,
  d: BorgDriver,
  o: { staging: string; restore: RestoreSpec; id: string },
): Promise<JobOutcome> {
  const paths = o.restore.paths.filter((p) => p !== "/").map((p) => p.replace(/^\/+/, ""));
  const r = await d.run("restore", { archive: o.id, target: o.staging, paths }, ctx.control());
  return outcomeOf(ctx, r);
}

/** restic's --include is a glob (filepath.Match): escape its special characters. */
export function escapeResticPattern(p: string): string {
  return p.replace(/[\\*?[\]]/g, (c) => `\\${c}`);
}
