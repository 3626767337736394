/**
 * What each job kind runs with restic 0.14. Cairn's marks select what is Cairn's: backups are
 * tagged `cairn`, `cairn-host:<h>`, `cairn-plan:<p>` (+ the plan's tags); forget takes only
 * snapshots carrying both the host and the plan tag and groups them all together, so plans
 * and hosts sharing a repository never forget each other's snapshots. Listings cover the whole
 * repository (every host), because the appliance caches the repository's listing.
 */
import {
  CAIRN_TAG,
  hostTag,
  planTag,
  type SnapshotInfo,
  type StatsResult,
  type TestResult,
} from "../../server/contract/jobs.ts";
import type { ResticDriver } from "../tools/restic/driver.ts";
import type { ResticSnapshot } from "../tools/restic/parser.ts";
import { resticDriverFor } from "./drivers.ts";
import { runDrill } from "./drill_steps.ts";
import { runDump } from "./dump_steps.ts";
import { runIndex } from "./index_steps.ts";
import { failed, type JobOutcome, outcomeOf, type StepContext, stopsJob } from "./outcome.ts";
import { runRestore } from "./restore_steps.ts";
import { hasRetention, isoMs, NO_RETENTION, refreshListing, removedResult } from "./step_common.ts";

const MAX_LOCKS_READ = 50;

export async function runResticKind(ctx: StepContext): Promise<JobOutcome> {
  const d = resticDriverFor(ctx.setup);
  switch (ctx.spec.kind) {
    case "backup":
      return await backup(ctx, d);
    case "forget":
      return await forget(ctx, d);
    case "prune":
      return await then(ctx, d, outcomeOf(ctx, await d.run("prune", {}, ctx.control())));
    case "compact":
      return failed("invalid", "restic has no compact: its prune reclaims the space");
    case "check":
      return outcomeOf(ctx, await d.run("check", checkOptions(ctx), ctx.control()));
    case "unlock":
      return outcomeOf(
        ctx,
        await d.run("unlock", { removeAll: ctx.spec.options.force === true }, ctx.control()),
      );
    case "locks":
      return await locks(ctx, d);
    case "stats":
      return await stats(ctx, d);
    case "snapshots":
      return await listing(ctx, d);
    case "init":
      return await init(ctx, d);
    case "test":
      return await test(ctx, d);
    case "restore":
      return await runRestore(ctx);
    case "index":
      return await runIndex(ctx);
    case "dump":
      return await runDump(ctx);
    case "drill":
      return await runDrill(ctx);
  }
}

function checkOptions(ctx: StepContext) {
  const o = ctx.spec.options;
  if (o.readDataSubset) return { readDataSubset: o.readDataSubset };
  return { readData: o.readData === true };
}

async function backup(ctx: StepContext, d: ResticDriver): Promise<JobOutcome> {
  const { plan, hostId, options } = ctx.spec;
  if (!plan) return failed("invalid", "A backup needs a plan");
  const startedAt = Date.now();
  const r = await d.run("backup", {
    sources: plan.sources,
    excludes: plan.excludes,
    excludeIfPresent: plan.excludeIfPresent,
    oneFileSystem: plan.oneFileSystem,
    tags: [CAIRN_TAG, hostTag(hostId), planTag(plan.id), ...plan.tags],
    time: options.snapshotTime !== undefined ? new Date(options.snapshotTime) : undefined,
    limitUploadKiB: plan.limits.uploadKiB,
    limitDownloadKiB: plan.limits.downloadKiB,
  }, ctx.control());
  const out = outcomeOf(ctx, r);
  const short = r.result?.snapshotId;
  if (short) out.snapshotId = short;
  if (r.result?.stats) out.result = { stats: r.result.stats };
  if (short && out.result) {
    // What the appliance adds to its snapshot cache at once. restic 0.14 names a new snapshot
    // by its short id only; the next listing brings the full one. A listing after every backup
    // would cost a second restic run for one known snapshot.
    const snapshot: SnapshotInfo = {
      id: short,
      shortId: short,
      time: options.snapshotTime ?? startedAt,
      hostname: "",
      paths: plan.sources,
      tags: [CAIRN_TAG, hostTag(hostId), planTag(plan.id), ...plan.tags],
    };
    out.result.snapshot = snapshot;
  }
  return out;
}

async function forget(ctx: StepContext, d: ResticDriver): Promise<JobOutcome> {
  const { plan, hostId, options } = ctx.spec;
  if (!plan) return failed("invalid", "Forget needs a plan");
  if (!hasRetention(plan.retention)) return failed("invalid", NO_RETENTION);
  const r = await d.run("forget", {
    keep: plan.retention,
    allTags: [hostTag(hostId), planTag(plan.id)],
    groupBy: "",
    prune: options.prune === true,
  }, ctx.control());
  const out = outcomeOf(ctx, r);
  if (r.result) out.result = removedResult(r.result.keep.length, r.result.remove);
  return await then(ctx, d, out);
}

/** After a change: the repository's listing, so the appliance's cache follows. */
async function then(ctx: StepContext, d: ResticDriver, out: JobOutcome): Promise<JobOutcome> {
  if (stopsJob(out)) return out;
  return await refreshListing(ctx, out, () => listing(ctx, d));
}

async function listing(ctx: StepContext, d: ResticDriver): Promise<JobOutcome> {
  const r = await d.run("snapshots", {}, ctx.control());
  const out = outcomeOf(ctx, r);
  if (r.status === "ok" && r.result) {
    ctx.report.snapshots(ctx.spec.repository.id, r.result.snapshots.map(snapshotInfo));
    out.result = { snapshotCount: r.result.snapshots.length };
  }
  return out;
}

function snapshotInfo(s: ResticSnapshot): SnapshotInfo {
  return {
    id: s.id,
    shortId: s.shortId,
    time: isoMs(s.time),
    hostname: s.hostname,
    paths: s.paths,
    tags: s.tags,
  };
}

async function init(ctx: StepContext, d: ResticDriver): Promise<JobOutcome> {
  const out = outcomeOf(ctx, await d.run("init", {}, ctx.control()));
  if (out.status === "ok") ctx.report.snapshots(ctx.spec.repository.id, []);
  return out;
}

async function locks(ctx: StepContext, d: ResticDriver): Promise<JobOutcome> {
  const list = await d.run("listLocks", {}, ctx.control());
  const out = outcomeOf(ctx, list);
  if (stopsJob(out)) return out;
  const ids = list.result?.ids ?? [];
  const found = [];
  for (const id of ids.slice(0, MAX_LOCKS_READ)) {
    const r = await d.run("catLock", { id }, ctx.control());
    if (r.status === "cancelled") return outcomeOf(ctx, r);
    const l = r.result;
    found.push({
      id,
      hostname: l?.hostname,
      pid: l?.pid,
      since: l?.time ? isoMs(l.time) : undefined,
      exclusive: l?.exclusive,
    });
  }
  out.result = {
    locks: found,
    ...(ids.length > found.length ? { more: ids.length - found.length } : {}),
  };
  return out;
}

async function stats(ctx: StepContext, d: ResticDriver): Promise<JobOutcome> {
  const raw = await d.run("stats", { mode: "raw-data" }, ctx.control());
  const first = outcomeOf(ctx, raw);
  if (stopsJob(first)) return first;
  const restore = await d.run("stats", { mode: "restore-size" }, ctx.control());
  const out = outcomeOf(ctx, restore);
  if (stopsJob(out)) return out;
  const result: StatsResult = {
    totalSizeBytes: restore.result?.totalSize,
    rawSizeBytes: raw.result?.totalSize,
    uniqueSizeBytes: raw.result?.totalSize,
    snapshotCount: raw.result?.snapshotCount ?? restore.result?.snapshotCount,
    fileCount: restore.result?.totalFileCount,
  };
  if (result.totalSizeBytes && result.rawSizeBytes) {
    result.deduplicationRatio = Math.round(result.totalSizeBytes / result.rawSizeBytes * 100) / 100;
  }
  out.result = { ...result };
  return out;
}

async function test(ctx: StepContext, d: ResticDriver): Promise<JobOutcome> {
  const details: string[] = [];
  const version = await d.run("version", {}, ctx.control());
  const result: TestResult = {
    reachable: false,
    repositoryFound: false,
    tool: { name: "restic", version: version.result?.version ?? null },
    details,
  };
  if (version.status !== "ok") {
    const out = outcomeOf(ctx, version);
    details.push(out.message ?? "restic could not be run on this host");
    return { ...out, result: { ...result } };
  }
  details.push(`restic ${result.tool.version} is installed`);
  const probe = await d.run("listLocks", {}, ctx.control());
  const out = outcomeOf(ctx, probe);
  const hostKey = await ctx.setup.workspace.hostKey();
  if (hostKey) result.hostKey = hostKey;
  const code = probe.failure?.code;
  result.reachable = probe.status === "ok" || (code !== undefined && code !== "unreachable");
  result.repositoryFound = probe.status === "ok" || (result.reachable && code !== "repo_missing");
  if (probe.status === "ok") details.push("The repository was found and the password opens it");
  else if (code === "repo_missing") {
    const sentence = "The location is reachable but holds no restic repository yet: run init";
    details.push(sentence);
    return { ...out, status: "ok", failureCode: null, message: sentence, result: { ...result } };
  } else details.push(out.message ?? "The repository could not be opened");
  return { ...out, result: { ...result } };
}
