/**
 * The push: each approved host gets its schedule document (schedule.put) with a version, and a
 * new version only when what it would run changed. The content hash is taken over the at-rest
 * inputs (schedule fields, the plan's and repository's stored columns including their sealed
 * values, the host's keys), so nothing is sealed, built or written while nothing changed; the
 * specs with secrets sealed to the host are built only for hosts whose hash moved.
 *
 * Runs on a timer and after writes that may change a document (a cheap dirty flag): schedules,
 * plans, repositories, SSH keys, host approval and tags all end up here.
 */
import type { Actor } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import { isExclusive, kindFitsEngine } from "../contract/jobs.ts";
import { REPOSITORY_WIDE_KINDS } from "../contract/schedules.ts";
import type { ScheduleDocument, ScheduleEntry, ScheduleKind } from "../contract/schedules.ts";
import { sha256Hex } from "../ids.ts";
import type { Logger } from "../log.ts";
import type { Job } from "../jobs/repo.ts";
import { buildJobSpec } from "../jobs/spec.ts";
import type { SpecDeps } from "../jobs/spec.ts";
import type { PushHostRow, PushPlanRow, ScheduleRecord, SchedulesRepo } from "./repo.ts";

export const SCHEDULE_JOB_PLACEHOLDER = "job_schedule";
const ACTOR: Actor = { type: "system", id: null, name: "schedules", ip: null };

export interface PushDeps {
  repo: SchedulesRepo;
  spec: SpecDeps;
  clock: Clock;
  queue(
    actor: Actor,
    hostId: string,
    cmd: { kind: string; args: Record<string, unknown> },
  ): Promise<unknown>;
  log?: Logger;
}

/** The options a scheduled run of each kind carries (forget never prunes; check reads no data). */
export function scheduledOptions(kind: ScheduleKind): Record<string, unknown> {
  if (kind === "forget") return { prune: false };
  return {};
}

/** This host's fixed delay for a schedule: a stable hash of (host, schedule), in seconds. */
export function jitterSeconds(hostId: string, scheduleId: string, jitterMinutes: number): number {
  if (jitterMinutes <= 0) return 0;
  const h = sha256Hex(`${hostId}\u0000${scheduleId}`);
  return parseInt(h.slice(0, 12), 16) % (jitterMinutes * 60 + 1);
}

interface Planned {
  schedule: ScheduleRecord;
  plan: PushPlanRow;
  jitter: number;
}

type PlanTarget = Pick<PushPlanRow, "targetHostId" | "targetTag">;
type HostTags = Pick<PushHostRow, "id" | "tags">;

/** Whether a plan runs on this host: the plan's one host, or a host with the plan's tag. */
export function planTargets(plan: PlanTarget, host: HostTags): boolean {
  return plan.targetHostId
    ? plan.targetHostId === host.id
    : host.tags.includes(plan.targetTag ?? "\u0000");
}

/** The host that runs a repository-wide kind: the plan's host, or the first tagged host by name. */
export function runnerFor(plan: PlanTarget, hosts: HostTags[]): string | null {
  return hosts.find((h) => planTargets(plan, h))?.id ?? null;
}

/**
 * The spec builder's reads, remembered for one reconcile: every entry of every host reads the
 * same few repositories, plans and keys.
 */
function memoSpec(spec: SpecDeps): SpecDeps {
  const memo = <A, R>(f: (a: A) => Promise<R>) => {
    const seen = new Map<A, Promise<R>>();
    return (a: A) => {
      let hit = seen.get(a);
      if (!hit) seen.set(a, hit = f(a));
      return hit;
    };
  };
  const r = spec.repo;
  return {
    ...spec,
    repo: {
      ...r,
      findRepository: memo((id: string) => r.findRepository(id)),
      findPlan: memo((id: string) => r.findPlan(id)),
      findSshKey: memo((id: string) => r.findSshKey(id)),
    },
  };
}

export function createSchedulePush(deps: PushDeps) {
  const { repo, clock } = deps;
  let dirty = true;
  let forceNext = false;
  let lastStamp: string | null = null;
  let ticks = 0;
  let running: Promise<{ pushed: number }> | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;

  /** Which schedules each host runs (enabled schedules of enabled plans, runners settled). */
  async function plan(): Promise<{ byHost: Map<string, Planned[]>; hosts: PushHostRow[] }> {
    const [schedules, plans, hosts] = await Promise.all([
      repo.list(),
      repo.pushPlans(),
      repo.approvedHosts(),
    ]);
    const plansById = new Map(plans.map((p) => [p.id, p]));
    const runnerChanges: Array<{ id: string; runnerHostId: string | null }> = [];
    const byHost = new Map<string, Planned[]>(hosts.map((h) => [h.id, []]));
    const tagged = new Map<string, PushHostRow[]>();
    for (const h of hosts) {
      for (const t of h.tags) tagged.set(t, [...(tagged.get(t) ?? []), h]);
    }
    for (const s of schedules) {
      const p = plansById.get(s.planId);
      if (!p) continue;
      const wide = REPOSITORY_WIDE_KINDS.includes(s.kind);
      const runner = wide ? runnerFor(p, hosts) : null;
      if (wide && runner !== s.runnerHostId) runnerChanges.push({ id: s.id, runnerHostId: runner });
      if (!s.enabled || !p.enabled) continue;
      if (!kindFitsEngine(p.engine, s.kind)) continue;
      if (s.kind === "forget" && !p.hasRetention) continue;
      const runOn = wide
        ? (runner ? [runner] : [])
        : p.targetHostId
        ? (byHost.has(p.targetHostId) ? [p.targetHostId] : [])
        : (tagged.get(p.targetTag ?? "") ?? []).map((h) => h.id);
      for (const hostId of runOn) {
        byHost.get(hostId)!.push({
          schedule: s,
          plan: p,
          jitter: jitterSeconds(hostId, s.id, s.jitterMinutes),
        });
      }
    }
    await repo.setRunners(runnerChanges);
    return { byHost, hosts };
  }

  function contentHash(host: PushHostRow, entries: Planned[]): string {
    const parts = [host.id, host.publicKey, host.boxPublicKey];
    for (const e of entries) {
      const s = e.schedule;
      parts.push(
        [s.id, s.kind, s.cron, s.timeZone, e.jitter, s.catchUp, e.plan.pausedUntil, e.plan.id]
          .join("\u0002"),
        e.plan.fingerprint,
      );
    }
    return sha256Hex(parts.join("\u0003"));
  }

  async function entryOf(spec: SpecDeps, host: PushHostRow, e: Planned): Promise<ScheduleEntry> {
    const s = e.schedule;
    const engine = e.plan.engine;
    const job = {
      id: SCHEDULE_JOB_PLACEHOLDER,
      hostId: host.id,
      repositoryId: e.plan.repositoryId,
      planId: e.plan.id,
      kind: s.kind,
      exclusive: isExclusive(engine, s.kind),
      options: scheduledOptions(s.kind),
    } as Job;
    const built = await buildJobSpec(spec, job, {
      ...host,
      state: "approved",
      lastSeenAt: null,
    }, {
      secretPrefix: `sch-${s.id}`,
    });
    return {
      scheduleId: s.id,
      planId: e.plan.id,
      kind: s.kind,
      cron: s.cron,
      timeZone: s.timeZone,
      jitterSeconds: e.jitter,
      catchUp: s.catchUp,
      pausedUntil: e.plan.pausedUntil,
      spec: built,
    };
  }

  async function pushHost(
    spec: SpecDeps,
    host: PushHostRow,
    o: { entries: Planned[]; hash: string },
  ): Promise<void> {
    const { entries, hash } = o;
    const built: ScheduleEntry[] = [];
    for (const e of entries) {
      try {
        built.push(await entryOf(spec, host, e));
      } catch (err) {
        // A spec that cannot be built (a secret that no longer opens) leaves that entry out;
        // the rest of the host's schedule still goes.
        deps.log?.warn("schedule entry left out", {
          hostId: host.id,
          scheduleId: e.schedule.id,
          error: err,
        });
      }
    }
    const now = clock.now();
    const version = await repo.bumpPushed(host.id, hash, now);
    const doc: ScheduleDocument = { version, hostId: host.id, issuedAt: now, entries: built };
    await repo.dropUnackedPuts(host.id);
    await deps.queue(ACTOR, host.id, {
      kind: "schedule.put",
      args: doc as unknown as Record<string, unknown>,
    });
  }

  async function reconcileOnce(force: boolean): Promise<{ pushed: number }> {
    dirty = false;
    const stamp = await repo.pushStamp();
    if (!force && stamp === lastStamp) return { pushed: 0 };
    const { byHost, hosts } = await plan();
    const states = await repo.hostSchedules();
    let pushed = 0;
    let spec: SpecDeps | undefined;
    for (const host of hosts) {
      const entries = byHost.get(host.id) ?? [];
      const hash = contentHash(host, entries);
      const known = states.get(host.id);
      if (known?.contentHash === hash) continue;
      // A host that never had a document needs no empty one; one that had entries gets a new,
      // empty version so its agent drops them.
      if (entries.length === 0 && (known?.pushedVersion ?? 0) === 0) continue;
      spec ??= memoSpec(deps.spec);
      await pushHost(spec, host, { entries, hash });
      pushed++;
    }
    // The runner updates above do not touch updated_at, so the stamp read first still holds.
    lastStamp = stamp;
    return { pushed };
  }

  /**
   * One reconcile at a time; a call while one runs waits for it and runs again. Without
   * `force`, an unchanged stamp (repo.pushStamp) ends it after one aggregate query.
   */
  function reconcile(opts: { force?: boolean } = {}): Promise<{ pushed: number }> {
    if (running) {
      dirty = true;
      forceNext ||= opts.force === true;
      return running.then(() => (running ? running : reconcile(opts)));
    }
    running = (async () => {
      try {
        let total = 0;
        let force = opts.force === true || forceNext;
        do {
          forceNext = false;
          total += (await reconcileOnce(force)).pushed;
          force = true; // a write came in meanwhile
        } while (dirty);
        return { pushed: total };
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {
    reconcile,
    /** Something a document depends on changed: reconcile soon (errors go to the log). */
    markDirty() {
      dirty = true;
      forceNext = true;
      queueMicrotask(() => {
        if (!running) {
          reconcile({ force: true })
            .catch((err) => deps.log?.warn("schedule push failed", { error: err }));
        }
      });
    },
    start(intervalMs = 30_000) {
      if (timer) return;
      // Every tick compares the stamp; every 20th compares every host's content regardless.
      timer = setInterval(() => {
        reconcile({ force: ++ticks % 20 === 0 })
          .catch((err) => deps.log?.warn("schedule push failed", { error: err }));
      }, intervalMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running?.catch(() => {});
    },
  };
}

export type SchedulePush = ReturnType<typeof createSchedulePush>;
