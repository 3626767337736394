/**
 * Restores: checks a request against the snapshot cache, the hosts and their restore roots,
 * then starts one `restore` job through the jobs service (which seals the repository's
 * secrets to the host that runs it: the snapshot's own host, or another host for a cross-host
 * restore) and records what was asked. Every refusal happens before anything is written.
 */
import type { Actor, AuditService } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import type { JobDetail, JobView } from "../contract/backups.ts";
import type { RestoreSpec } from "../contract/jobs.ts";
import {
  type CreatedRestore,
  type CreateRestore,
  DEFAULT_RESTORE_ROOT,
  type RestoreRootsView,
  type RestoresListView,
  type RestoresQuery,
} from "../contract/restores.ts";
import { AppError, ConflictError, NotFoundError } from "../errors.ts";
import type { JobsService } from "../jobs/service.ts";
import type { RestoreHost, RestoresRepo } from "./repo.ts";

const HISTORY_LIMIT = 200;

export const effectiveRoots = (roots: string[]) => roots.length ? roots : [DEFAULT_RESTORE_ROOT];

const within = (root: string, p: string) => p === root || p.startsWith(root + "/");

function toView(d: JobDetail): JobView {
  const { tail: _tail, ...view } = d;
  return view;
}

export function createRestoresService(deps: {
  repo: RestoresRepo;
  jobs: Pick<JobsService, "runOnHost" | "get">;
  audit: AuditService;
  clock: Clock;
}) {
  const { repo, audit, clock } = deps;

  async function mustHost(id: string): Promise<RestoreHost> {
    const h = await repo.findHost(id);
    if (!h) throw new NotFoundError("Host", id);
    return h;
  }

  function checkPathsInSnapshot(paths: string[], sources: string[]) {
    if (!sources.length) return; // a listing without paths (borg): the tool says what is missing
    for (const p of paths) {
      if (!sources.some((s) => within(s, p) || within(p, s) || p === "/")) {
        throw new AppError(400, "path_not_in_snapshot", `A path is not in the snapshot: ${p}`, {
          snapshotPaths: sources,
        });
      }
    }
  }

  async function create(actor: Actor, input: CreateRestore): Promise<CreatedRestore> {
    const repository = await repo.findRepository(input.repositoryId);
    if (!repository) throw new NotFoundError("Repository", input.repositoryId);
    const snapshot = await repo.findSnapshot(repository.id, input.snapshotId);
    if (!snapshot) throw new NotFoundError("Snapshot");
    checkPathsInSnapshot(input.paths, snapshot.paths);
    const t = input.target;
    const hostId = t.type === "host" ? t.hostId : snapshot.hostId;
    if (!hostId) {
      throw new ConflictError(
        "The snapshot's host is not known to Cairn: restore it onto a named host",
        "snapshot_host_unknown",
      );
    }
    const host = await mustHost(hostId);
    if (host.state !== "approved") {
      throw new ConflictError(`The host is not enrolled: ${host.name}`, "host_not_enrolled");
    }
    const version = host.facts[`${repository.engine}Version`];
    if (version === null || version === undefined || version === "") {
      throw new ConflictError(
        `${repository.engine} is not installed on the host ${host.name}`,
        "tool_missing",
      );
    }
    let targetDir = "/";
    if (t.type === "original") {
      if (input.confirm !== host.name) {
        throw new AppError(
          400,
          "confirmation_required",
          "Restoring to the original place overwrites files there: type the host's name to confirm",
        );
      }
    } else {
      const roots = effectiveRoots(host.restoreRoots);
      if (!roots.some((r) => within(r, t.path))) {
        throw new AppError(
          400,
          "outside_restore_roots",
          `The target must lie inside the host's restore roots: ${roots.join(", ")}`,
          { roots },
        );
      }
      targetDir = t.path;
    }
    const restore: RestoreSpec = {
      paths: input.paths,
      targetDir,
      overwrite: input.overwrite,
      ...(t.type === "host" && t.remap?.length ? { remap: t.remap } : {}),
    };
    const job = await deps.jobs.runOnHost(actor, {
      hostId: host.id,
      repositoryId: repository.id,
      kind: "restore",
      options: {
        snapshot: { id: snapshot.id, ...(snapshot.hostId ? { hostId: snapshot.hostId } : {}) },
        restore,
      },
    });
    await repo.insertRestore({
      jobId: job.id,
      repositoryId: repository.id,
      snapshotId: snapshot.id,
      sourceHostId: snapshot.hostId,
      targetHostId: host.id,
      target: t,
      targetDir,
      paths: input.paths,
      overwrite: input.overwrite,
      createdBy: actor.name,
      createdAt: clock.now(),
    });
    await audit.record(actor, {
      action: "restore.created",
      target: { type: "job", id: job.id },
      details: {
        repositoryId: repository.id,
        snapshotId: snapshot.id,
        sourceHostId: snapshot.hostId,
        targetHostId: host.id,
        target: t.type,
        targetDir,
        paths: input.paths.slice(0, 20),
        pathCount: input.paths.length,
        overwrite: input.overwrite,
      },
    });
    return { jobs: [toView(job)] };
  }

  async function list(q: RestoresQuery): Promise<RestoresListView> {
    // A restic snapshot may be named by its short id or its full one (the cache learns the
    // full id after the backup): a restore recorded under either belongs to it.
    let snapshotIds = q.snapshotId ? [q.snapshotId] : undefined;
    if (q.snapshotId && q.repositoryId) {
      const s = await repo.findSnapshot(q.repositoryId, q.snapshotId);
      if (s) snapshotIds = [...new Set([q.snapshotId, s.id, s.shortId])];
    }
    const rows = await repo.listRestores({ ...q, snapshotIds, limit: HISTORY_LIMIT });
    const restores = [];
    for (const r of rows) {
      const job = toView(await deps.jobs.get(r.jobId));
      restores.push({
        job,
        repositoryId: r.repositoryId,
        snapshotId: r.snapshotId,
        sourceHostId: r.sourceHostId,
        paths: r.paths,
        target: r.target,
        overwrite: r.overwrite,
        by: r.createdBy,
        at: new Date(r.createdAt).toISOString(),
      });
    }
    return { restores };
  }

  async function roots(hostId: string): Promise<RestoreRootsView> {
    const h = await mustHost(hostId);
    return { hostId: h.id, roots: h.restoreRoots, effective: effectiveRoots(h.restoreRoots) };
  }

  async function setRoots(actor: Actor, hostId: string, input: string[]) {
    const h = await mustHost(hostId);
    const unique = [...new Set(input)];
    if (!(await repo.setRestoreRoots(h.id, unique, clock.now()))) throw new NotFoundError("Host");
    await audit.record(actor, {
      action: "host.restore_roots_set",
      target: { type: "host", id: h.id },
      details: { roots: unique },
    });
    return await roots(h.id);
  }

  return { create, list, roots, setRoots };
}

export type RestoresService = ReturnType<typeof createRestoresService>;
