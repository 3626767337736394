/**
 * What each job kind runs with borg 1.2. borg has no tags: archives are named
 * `<hostId>.<planId>.<UTC time>` and forget prunes with the glob of that prefix. Kind `prune`
 * (reclaim the space no snapshot uses, restic's prune) is `borg compact` here, whether or not
 * the job names a plan: retention is always the forget job's business. Lock holders can be
 * named only for a local repository (its lock.roster); over SSH the runner can tell that the
 * repository is locked, not by whom.
 */
import { join } from "node:path";
import {
  archiveName,
  archivePrefix,
  CAIRN_TAG,
  hostTag,
  planTag,
  type SnapshotInfo,
  type StatsResult,
  type TestResult,
} from "../../server/contract/jobs.ts";
import type { BorgDriver } from "../tools/borg/driver.ts";
import type { BorgArchive } from "../tools/borg/parser.ts";
import { readBorgLockHolders, readSmallFile } from "../tools/common/repo_probe.ts";
import { borgDriverFor } from "./drivers.ts";
import { mtimeMs } from "./files.ts";
import { runDrill } from "./drill_steps.ts";
import { runDump } from "./dump_steps.ts";
import { runIndex } from "./index_steps.ts";
import { failed, type JobOutcome, outcomeOf, type StepContext, stopsJob } from "./outcome.ts";
import { runRestore } from "./restore_steps.ts";
import { hasRetention, isoMs, NO_RETENTION, refreshListing, removedResult } from "./step_common.ts";

export async function runBorgKind(ctx: StepContext): Promise<JobOutcome> {
  const d = borgDriverFor(ctx.setup);
  switch (ctx.spec.kind) {
    case "backup":
      return await backup(ctx, d);
    case "forget":
      return await forget(ctx, d);
    case "prune":
    case "compact":
      return outcomeOf(ctx, await d.run("compact", {}, ctx.control()));
    case "check":
      return outcomeOf(
        ctx,
        await d.run("check", { verifyData: ctx.spec.options.readData === true }, ctx.control()),
      );
    case "unlock":
      return outcomeOf(ctx, await d.run("breakLock", {}, ctx.control()));
    case "locks":
      return await locks(ctx);
    case "stats":
      return await stats(ctx, d);
    case "snapshots":
      return await listing(ctx, d);
    case "init": {
      const out = outcomeOf(ctx, await d.run("init", {}, ctx.control()));
      if (out.status === "ok") ctx.report.snapshots(ctx.spec.repository.id, []);
      return out;
    }
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

async function backup(ctx: StepContext, d: BorgDriver): Promise<JobOutcome> {
  const { plan, hostId, options } = ctx.spec;
  if (!plan) return failed("invalid", "A backup needs a plan");
  const at = options.snapshotTime;
  const time = at ?? Date.now();
  const archive = archiveName(hostId, plan.id, time);
  const r = await d.run("backup", {
    archive,
    sources: plan.sources,
    excludes: plan.excludes,
    excludeIfPresent: plan.excludeIfPresent,
    oneFileSystem: plan.oneFileSystem,
    compression: plan.compression ?? undefined,
    timestamp: at !== undefined ? new Date(at) : undefined,
    uploadRatelimitKiB: plan.limits.uploadKiB,
  }, ctx.control());
  const out = outcomeOf(ctx, r);
  if (r.result) {
    out.snapshotId = r.result.archive.name;
    // What the appliance adds to its snapshot cache at once: a listing after every backup
    // would cost a second borg run (most of a small backup's time) for one known archive.
    const snapshot: SnapshotInfo = {
      ...archiveInfo({ name: archive, time: new Date(time).toISOString() } as BorgArchive),
      time: Math.floor(time / 1000) * 1000,
      paths: plan.sources,
    };
    out.result = { stats: r.result.stats, snapshot };
  }
  return out;
}

async function forget(ctx: StepContext, d: BorgDriver): Promise<JobOutcome> {
  const { plan, hostId, options } = ctx.spec;
  if (!plan) return failed("invalid", "Forget needs a plan");
  if (!hasRetention(plan.retention)) return failed("invalid", NO_RETENTION);
  const r = await d.run("prune", {
    keep: plan.retention,
    globArchives: `${archivePrefix(hostId, plan.id)}*`,
  }, ctx.control());
  let out = outcomeOf(ctx, r);
  if (r.result) out.result = removedResult(r.result.keep.length, r.result.prune.map((a) => a.name));
  if (stopsJob(out)) return out;
  if (options.prune) {
    const compact = outcomeOf(ctx, await d.run("compact", {}, ctx.control()));
    if (stopsJob(compact)) return { ...compact, result: out.result };
    out = { ...out, tail: [out.tail, compact.tail].filter(Boolean).join("\n") };
  }
  return await refreshListing(ctx, out, () => listing(ctx, d));
}

async function listing(ctx: StepContext, d: BorgDriver): Promise<JobOutcome> {
  const r = await d.run("snapshots", {}, ctx.control());
  const out = outcomeOf(ctx, r);
  if (r.status === "ok" && r.result) {
    ctx.report.snapshots(ctx.spec.repository.id, r.result.archives.map(archiveInfo));
    out.result = { snapshotCount: r.result.archives.length };
  }
  return out;
}

/** borg lists names and times only; Cairn's names say which host and plan made an archive. */
export function archiveInfo(a: BorgArchive): SnapshotInfo {
  const m = /^([^.]+)\.([^.]+)\.\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?$/.exec(a.name);
  return {
    id: a.name,
    shortId: a.name,
    time: isoMs(a.time),
    hostname: "",
    paths: [],
    tags: m ? [CAIRN_TAG, hostTag(m[1]), planTag(m[2])] : [],
  };
}

async function locks(ctx: StepContext): Promise<JobOutcome> {
  const loc = ctx.spec.repository.location;
  if (loc.kind === "local") {
    const holders = await readBorgLockHolders(loc.path, readSmallFile);
    const since = await mtimeMs(join(loc.path, "lock.exclusive"));
    const locks = holders.map((h) => ({
      hostname: h.host,
      pid: h.pid,
      exclusive: h.exclusive,
      ...(since !== undefined ? { since } : {}),
    }));
    return {
      status: "ok",
      exitCode: null,
      message: null,
      failureCode: null,
      tail: "",
      result: { locks },
    };
  }
  const r = await borgDriverFor(ctx.setup, 1).run("stats", {}, ctx.control());
  const out = outcomeOf(ctx, r);
  const locked = r.failure?.code === "locked";
  const details =
    "Who holds a lock can be read only for local borg repositories; over SSH Cairn can tell " +
    "whether the repository is locked";
  if (stopsJob(out) && !locked) return out;
  return {
    ...out,
    status: "ok",
    failureCode: null,
    message: null,
    result: { locks: locked ? [{ exclusive: true }] : [], locked, details },
  };
}

async function stats(ctx: StepContext, d: BorgDriver): Promise<JobOutcome> {
  const info = await d.run("stats", {}, ctx.control());
  const out = outcomeOf(ctx, info);
  if (stopsJob(out) || !info.result) return out;
  const list = await d.run("snapshots", {}, ctx.control());
  if (list.status === "cancelled") return outcomeOf(ctx, list);
  const s = info.result;
  const result: StatsResult = {
    totalSizeBytes: s.originalSize,
    rawSizeBytes: s.compressedSize,
    uniqueSizeBytes: s.deduplicatedSize,
    deduplicationRatio: Math.round(s.deduplicationRatio * 100) / 100,
    snapshotCount: list.result?.archives.length,
  };
  return { ...out, result: { ...result } };
}

async function test(ctx: StepContext, d: BorgDriver): Promise<JobOutcome> {
  const details: string[] = [];
  const version = await d.run("version", {}, ctx.control());
  const result: TestResult = {
    reachable: false,
    repositoryFound: false,
    tool: { name: "borg", version: version.result?.version ?? null },
    details,
  };
  if (version.status !== "ok") {
    const out = outcomeOf(ctx, version);
    details.push(out.message ?? "borg could not be run on this host");
    return { ...out, result: { ...result } };
  }
  details.push(`borg ${result.tool.version} is installed`);
  const probe = await borgDriverFor(ctx.setup, 1).run("stats", {}, ctx.control());
  const out = outcomeOf(ctx, probe);
  const hostKey = await ctx.setup.workspace.hostKey();
  if (hostKey) result.hostKey = hostKey;
  const code = probe.failure?.code;
  result.reachable = probe.status !== "failed" || code !== "unreachable";
  if (ctx.spec.repository.location.kind === "ssh") {
    // borg 1.2 learns the server's version while connecting but never prints it.
    result.remoteBorgVersion = null;
    if (result.reachable) {
      details.push("The server's borg answered (borg 1.2 does not say its version)");
    }
  }
  result.repositoryFound = probe.status !== "failed" ||
    !["unreachable", "repo_missing"].includes(code!);
  if (probe.status !== "failed") {
    details.push("The repository was found and the passphrase opens it");
  } else if (code === "locked") {
    details.push("The repository was found; it is locked by a running job right now");
    return { ...out, status: "ok", failureCode: null, message: null, result: { ...result } };
  } else if (code === "repo_missing") {
    const sentence = "The location is reachable but holds no borg repository yet: run init";
    details.push(sentence);
    return { ...out, status: "ok", failureCode: null, message: sentence, result: { ...result } };
  } else details.push(out.message ?? "The repository could not be opened");
  return { ...out, result: { ...result } };
}
