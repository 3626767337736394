/**
 * The appliance's drill ticker. Drills are scheduled here rather than on the agents because a
 * drill's sample is picked from the appliance's snapshot index. Every tick (30 s) each enabled
 * schedule whose next run has come starts its drills through the drills service (the same path
 * as `POST /api/drills`: the latest snapshot, a random sample, the plan's canary) as the actor
 * "schedule".
 *
 * The slot is claimed first (last_run_at moves, compare-and-set) and only then is anything
 * started: a crash between the two loses one drill rather than running one twice, and a long
 * gap (the appliance was off) runs once, not once per missed slot. A host that is offline, or
 * has no indexed snapshot, is skipped with the reason recorded on the schedule (the UI shows it,
 * and the drill_overdue alert catches a schedule that keeps skipping).
 */
import type { Actor, AuditService } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import { nextRunAfter } from "../contract/schedule_time.ts";
import { AppError } from "../errors.ts";
import { OFFLINE_AFTER_MS } from "../hosts/service.ts";
import type { Logger } from "../log.ts";
import type { ActiveDrillSchedule, DrillHost, DrillSchedulesRepo } from "./schedule_repo.ts";
import { countFrom } from "./schedule_service.ts";
import type { DrillsService } from "./service.ts";
import { createSerial, createTicker } from "../ticker.ts";

export const DRILL_TICK_MS = 30_000;
export const SCHEDULE_ACTOR: Actor = { type: "system", id: null, name: "schedule", ip: null };

export interface DrillTickResult {
  /** Schedules whose run had come (and were claimed by this tick). */
  due: number;
  /** Drill jobs started. */
  started: string[];
  /** "web-1: the host is offline" for each host skipped. */
  skipped: string[];
}

export function createDrillScheduler(deps: {
  repo: DrillSchedulesRepo;
  drills: Pick<DrillsService, "create">;
  audit: AuditService;
  clock: Clock;
  log?: Logger;
}) {
  const { repo, clock } = deps;
  const serial = createSerial();

  function unreachable(h: DrillHost, now: number): string | null {
    if (h.state !== "approved") return "the host is not enrolled";
    if (h.lastSeenAt === null || now - h.lastSeenAt > OFFLINE_AFTER_MS) {
      return "the host is offline";
    }
    return null;
  }

  /** Starts one host's drill; the reason it was skipped, or the drill's job id. */
  async function drillHost(
    s: ActiveDrillSchedule,
    h: DrillHost,
    now: number,
  ): Promise<{ jobId: string } | { skipped: string }> {
    const away = unreachable(h, now);
    if (away) return { skipped: away };
    if (s.targetHostId) {
      const t = await repo.findHost(s.targetHostId);
      const tAway = t ? unreachable(t, now) : "the host that restores is gone";
      if (tAway) return { skipped: `${t?.name ?? "target"}: ${tAway}` };
    }
    let where: { planId: string } | { repositoryId: string };
    if (s.planId) where = { planId: s.planId };
    else {
      const repositoryId = await repo.latestRepositoryOf(h.id);
      if (!repositoryId) return { skipped: "the host has no snapshot to drill yet" };
      where = { repositoryId };
    }
    try {
      const created = await deps.drills.create(SCHEDULE_ACTOR, {
        hostId: h.id,
        ...where,
        sampleSize: s.sampleSize,
        ...(s.targetHostId ? { targetHostId: s.targetHostId } : {}),
      });
      return { jobId: created.jobs[0].id };
    } catch (err) {
      if (err instanceof AppError) return { skipped: err.message };
      deps.log?.error("scheduled drill failed to start", { scheduleId: s.id, error: err });
      return { skipped: "the drill could not start (see the appliance log)" };
    }
  }

  async function run(s: ActiveDrillSchedule, now: number, out: DrillTickResult) {
    if (!(await repo.claim(s.id, s.lastRunAt, now))) return;
    out.due++;
    const hosts = s.planId
      ? await repo.planHosts(s.planId)
      : [await repo.findHost(s.hostId!)].filter((h) => h !== undefined);
    const skipped: string[] = hosts.length ? [] : ["the plan backs up no enrolled host"];
    let drillId: string | null = null;
    for (const h of hosts) {
      const r = await drillHost(s, h, now);
      if ("jobId" in r) {
        drillId = r.jobId;
        out.started.push(r.jobId);
      } else skipped.push(`${h.name}: ${r.skipped}`);
    }
    const reason = skipped.length ? skipped.join("; ").slice(0, 2000) : null;
    await repo.recordAttempt(s.id, { drillId, skipReason: reason });
    if (reason) {
      out.skipped.push(...skipped);
      await deps.audit.record(SCHEDULE_ACTOR, {
        action: "drill_schedule.skipped",
        target: { type: "drill_schedule", id: s.id },
        details: { reason },
      });
    }
  }

  async function tick(): Promise<DrillTickResult> {
    const now = clock.now();
    const out: DrillTickResult = { due: 0, started: [], skipped: [] };
    for (const s of await repo.listActive()) {
      if (s.planPausedUntil !== null && s.planPausedUntil > now) continue;
      let due: number;
      try {
        due = nextRunAfter(s.cron, s.timeZone, countFrom(s));
      } catch {
        continue; // an expression that never runs (refused at save; zone data may change)
      }
      if (due > now) continue;
      await run(s, now, out).catch((err) =>
        deps.log?.error("drill schedule run failed", { scheduleId: s.id, error: err })
      );
    }
    return out;
  }

  const ticker = createTicker({
    serial,
    tick,
    onError: (err) => deps.log?.error("drill tick failed", { error: err }),
  });

  return {
    /** Starts every drill whose run has come; tests call it with a moved clock. */
    tick: () => serial.run(tick),
    /** Ticks every `tickMs` until stop(); a tick still running is not queued twice. */
    start: (tickMs = DRILL_TICK_MS) => ticker.start(tickMs),
    /** Stops ticking and waits for the tick under way. */
    stop: () => ticker.stop(),
  };
}

export type DrillScheduler = ReturnType<typeof createDrillScheduler>;
