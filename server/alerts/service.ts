/**
 * Alerts as people use them: the list with its filters and history, one alert, acknowledging
 * (it stays open, without more notices, until it resolves), and each rule's settings. A rule's
 * change is audited and judged again at once; turning a rule off resolves its open alerts
 * without a "recovered" notice (nothing recovered; nobody is watching any more).
 */
import type { Actor, AuditService } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import type {
  AlertListView,
  AlertRule,
  AlertRuleView,
  AlertsQuery,
  AlertState,
  AlertView,
  UpdateAlertRule,
} from "../contract/alerts.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import type { Host } from "../hosts/repo.ts";
import type { AlertEngine } from "./engine.ts";
import { EVALUATORS, EVENT_RULES } from "./engine.ts";
import type { AlertsRepo } from "./repo.ts";

const DESCRIPTIONS: Record<AlertRule, string> = {
  job_failed: "A backup, forget, prune, compact, restore or drill failed; resolves when a later " +
    "job of the same host, plan and kind succeeds.",
  failures_in_row: "The last `count` backups of a host and plan all failed.",
  backup_stale: "No successful backup of a host and plan within `factor` × its backup " +
    "schedule's usual interval + `graceMinutes`; paused plans and disabled schedules are not " +
    "judged; a plan without a schedule only when `unscheduledHours` is set.",
  host_offline: "An approved, always-online host has not been seen for `minutes` (laptops " +
    "are judged by staleness only).",
  check_failed: "The last check of a repository failed.",
  lock_held: "A repository lock older than `hours` (from the last lock look).",
  size_changed: "Two consecutive snapshots of a host and plan differ in size by more than " +
    "`percent` % (ransomware or runaway data); links to what changed.",
  host_pending: "A new agent waits for an admin to approve or reject it.",
  appliance_key_changed: "An agent pinned another appliance key than this appliance's: it " +
    "refuses this appliance until it is enrolled again (or this is not the appliance it knows).",
  standby_lag: "The paired standby appliance has not confirmed changes older than `seconds`, " +
    "or has not asked for changes for `seconds` (at least a minute); resolves once it caught up.",
  drill_failed: "The newest restore drill of a host and plan failed; resolves when a later " +
    "drill of the same host and plan passes.",
  drill_overdue: "An enabled drill schedule's run was due more than `graceHours` ago and no " +
    "drill of the host has passed since (offline, not indexed, failing or stuck).",
};

const iso = (ms: number) => new Date(ms).toISOString();

export function createAlertsService(deps: {
  repo: AlertsRepo;
  engine: AlertEngine;
  audit: AuditService;
  clock: Clock;
}) {
  const { repo, engine, audit, clock } = deps;

  async function rules(): Promise<AlertRuleView[]> {
    return (await repo.listRules()).map((r) => {
      const rule = r.rule as AlertRule;
      return {
        rule,
        enabled: r.enabled,
        severity: r.severity,
        params: r.params,
        implemented: rule in EVALUATORS || EVENT_RULES.includes(rule),
        description: DESCRIPTIONS[rule] ?? "",
        updatedAt: r.updatedAt > 0 ? iso(r.updatedAt) : null,
        updatedBy: r.updatedBy,
      };
    });
  }

  async function mustFind(id: string): Promise<AlertView> {
    const a = await repo.findView(id);
    if (!a) throw new NotFoundError("Alert", id);
    return a;
  }

  return {
    async list(q: AlertsQuery): Promise<AlertListView> {
      const states: AlertState[] | undefined = q.state === "active"
        ? ["open", "acknowledged"]
        : q.state
        ? [q.state]
        : undefined;
      const limit = q.limit;
      const alerts = await repo.list({
        states,
        rule: q.rule,
        severity: q.severity,
        hostId: q.hostId,
        since: q.since === undefined ? undefined : Date.parse(q.since),
        before: q.before,
        limit,
      });
      return {
        alerts,
        nextBefore: alerts.length === limit ? alerts[alerts.length - 1].id : null,
        active: await repo.countActive(),
      };
    },

    get: mustFind,

    async acknowledge(actor: Actor, id: string): Promise<AlertView> {
      const a = await mustFind(id);
      if (a.state === "acknowledged") return a;
      if (a.state === "resolved") {
        throw new ConflictError("The alert is resolved already", "alert_resolved");
      }
      if (!(await repo.acknowledge(id, actor.name, clock.now()))) {
        throw new ConflictError("The alert changed meanwhile; reload and try again");
      }
      await audit.record(actor, {
        action: "alert.acknowledged",
        target: { type: "alert", id },
        details: { rule: a.rule, subject: a.subject },
      });
      return mustFind(id);
    },

    rules,

    /** `params` were checked against the rule's schema at the edge. */
    async updateRule(actor: Actor, rule: AlertRule, u: UpdateAlertRule): Promise<AlertRuleView> {
      const now = clock.now();
      await repo.updateRule(rule, { ...u, by: actor.name, now });
      if (u.severity) await repo.setOpenSeverity(rule, u.severity);
      if (u.enabled === false) await repo.resolveRule(rule, now);
      await audit.record(actor, {
        action: "alert_rule.updated",
        target: { type: "alert_rule", id: rule },
        details: { ...u },
      });
      if (u.enabled !== false && rule in EVALUATORS) await engine.evaluateRules([rule]);
      return (await rules()).find((r) => r.rule === rule)!;
    },

    /** From the agents' challenge: whether the agent of `host` pinned this appliance's key. */
    pinnedKeySeen(host: Host, matches: boolean): Promise<void> {
      return engine.raise(
        "appliance_key_changed",
        host.id,
        matches ? null : {
          subject: host.id,
          title: `${host.name} pinned another appliance key`,
          message: `The agent on ${host.name} knows a different appliance key and refuses this ` +
            "appliance's commands. If this appliance was reinstalled, enroll the agent again; " +
            "if not, find out which box the agent trusted",
          hostId: host.id,
          planId: null,
          repositoryId: null,
          jobId: null,
          link: `/hosts/${host.id}`,
          details: {},
          occurrence: null,
        },
      );
    },
  };
}

export type AlertsService = ReturnType<typeof createAlertsService>;
