/** Wires repos to services. The one place that knows which service needs which repo. */
import { join } from "node:path";
import { ephemeralIdentity } from "./agent_channel/identity.ts";
import type { ApplianceIdentity } from "./agent_channel/identity.ts";
import { createAgentChannelRepo } from "./agent_channel/repo.ts";
import { createAgentChannelService } from "./agent_channel/service.ts";
import { createAgentSessions } from "./agent_channel/sessions.ts";
import { createWaiters } from "./agent_channel/waiters.ts";
import { createAlertEngine } from "./alerts/engine.ts";
import { createAlertsRepo } from "./alerts/repo.ts";
import { createRuleQueries } from "./alerts/rules/repo.ts";
import type { StandbyFactsSource } from "./alerts/rules/types.ts";
import { createAlertsService } from "./alerts/service.ts";
import { createAuditRepo } from "./audit/repo.ts";
import { createAuditService } from "./audit/service.ts";
import { createLockout } from "./auth/lockout.ts";
import { createAuthRepo } from "./auth/repo.ts";
import { createAuthService } from "./auth/service.ts";
import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import { createDashboardService } from "./dashboard/service.ts";
import { createDrillsRepo } from "./drills/repo.ts";
import { createDrillsService } from "./drills/service.ts";
import type { DrillsService } from "./drills/service.ts";
import { createDrillScheduler } from "./drills/schedule.ts";
import { createDrillSchedulesRepo } from "./drills/schedule_repo.ts";
import { createDrillSchedulesService } from "./drills/schedule_service.ts";
import type { Db } from "./db/connect.ts";
import { createEnrollmentService } from "./enrollment/service.ts";
import { createHostsRepo } from "./hosts/repo.ts";
import { createHostsService } from "./hosts/service.ts";
import { createInstallService } from "./install/service.ts";
import { createIndexApiRepo } from "./index_api/repo.ts";
import { createIndexApiService } from "./index_api/service.ts";
import type { IndexApiService } from "./index_api/service.ts";
import { createSnapshotIndexRepo } from "./snapshot_index/repo.ts";
import { createSnapshotIndexService } from "./snapshot_index/service.ts";
import { createStreamBroker } from "./downloads/broker.ts";
import { createDownloadsRepo } from "./downloads/repo.ts";
import { createDownloadsService } from "./downloads/service.ts";
import { createJobsRepo } from "./jobs/repo.ts";
import { createMetricsRepo } from "./metrics/repo.ts";
import { createMetricsService } from "./metrics/service.ts";
import { createJobsService } from "./jobs/service.ts";
import type { JobsService } from "./jobs/service.ts";
import type { Logger } from "./log.ts";
import { PROJECT_ROOT } from "./paths.ts";
import { createNotifyRepo } from "./notify/repo.ts";
import { createNotifyService } from "./notify/service.ts";
import { createPushService } from "./notify/push.ts";
import { createPlansRepo } from "./plans/repo.ts";
import { createPlansService } from "./plans/service.ts";
import { createRestoresRepo } from "./restores/repo.ts";
import { createRestoresService } from "./restores/service.ts";
import { adoptScheduled } from "./schedules/adopt.ts";
import { createAdoptRepo } from "./schedules/adopt_repo.ts";
import { createSchedulePush } from "./schedules/push.ts";
import { createSchedulesRepo } from "./schedules/repo.ts";
import { createSchedulesService } from "./schedules/service.ts";
import { createRepositoriesRepo } from "./repositories/repo.ts";
import { createRepositoriesService } from "./repositories/service.ts";
import { createSecretBox } from "./secrets/box.ts";
import type { SecretBox } from "./secrets/box.ts";
import type { Redactor } from "./secrets/redact.ts";
import { createSettingsRepo } from "./settings/repo.ts";
import { createSettingsService } from "./settings/service.ts";
import { createSshKeysRepo } from "./ssh_keys/repo.ts";
import { createSshKeysService } from "./ssh_keys/service.ts";
import { createSnapshotsRepo } from "./snapshots/repo.ts";
import { createSnapshotsService } from "./snapshots/service.ts";
import type { ApplianceFacts } from "./settings/service.ts";
import { createTokensRepo } from "./tokens/repo.ts";
import { createTokensService } from "./tokens/service.ts";
import { createUsersRepo } from "./users/repo.ts";
import { createUsersService } from "./users/service.ts";

export function createServices(deps: {
  db: Db;
  clock: Clock;
  redactor: Redactor;
  config:
    & Pick<Config, "sessionIdleMinutes" | "sessionAbsoluteHours">
    & Partial<Pick<Config, "baseUrl" | "vapidSubject">>;
  facts: ApplianceFacts;
  /** The appliance's Ed25519 identity; in-process tests may leave it out for a throwaway one. */
  identity?: ApplianceIdentity;
  /** Seals secrets at rest; in-process tests may leave it out for a throwaway key. */
  secretBox?: SecretBox;
  /** For the warnings of background work (job reports, dispatch); none in most tests. */
  log?: Logger;
  /**
   * The snapshot index's own connection to the same file (a million-entry ingest must not
   * queue every other query behind it); tests may leave it out to share `db`.
   */
  indexDb?: Db;
  /** Replication's view of the paired standby, for the standby_lag alert. */
  standby?: StandbyFactsSource;
}) {
  const { db, clock, redactor } = deps;
  const usersRepo = createUsersRepo(db);
  const authRepo = createAuthRepo(db);
  const audit = createAuditService({ repo: createAuditRepo(db), clock, redactor });
  const alertsRepo = createAlertsRepo(db);
  const alertEngine = createAlertEngine({
    repo: alertsRepo,
    queries: createRuleQueries(db),
    clock,
    log: deps.log,
    standby: deps.standby,
  });
  const alerts = createAlertsService({ repo: alertsRepo, engine: alertEngine, audit, clock });
  const lockout = createLockout(authRepo, clock);
  const auth = createAuthService({
    repo: authRepo,
    users: usersRepo,
    audit,
    lockout,
    clock,
    policy: {
      idleMs: deps.config.sessionIdleMinutes * 60_000,
      absoluteMs: deps.config.sessionAbsoluteHours * 3600_000,
    },
  });
  const users = createUsersService({ repo: usersRepo, sessions: authRepo, audit, clock });
  const tokens = createTokensService({ repo: createTokensRepo(db), audit, clock });
  const settings = createSettingsService({
    repo: createSettingsRepo(db),
    audit,
    clock,
    facts: deps.facts,
  });
  const identity = deps.identity ?? ephemeralIdentity();
  const secretBox = deps.secretBox ??
    createSecretBox(crypto.getRandomValues(new Uint8Array(32)));
  const hostsRepo = createHostsRepo(db);
  const schedulesRepo = createSchedulesRepo(db);
  const adoptRepo = createAdoptRepo(db);
  const jobsRepo = createJobsRepo(db);
  // The channel calls back into jobs (job reports) and jobs queue commands on the channel.
  let jobsRef: JobsService | null = null;
  const agentChannel = createAgentChannelService({
    repo: createAgentChannelRepo(db),
    hosts: hostsRepo,
    sessions: createAgentSessions({
      repo: createAgentChannelRepo(db),
      hosts: hostsRepo,
      audit,
      lockout,
      identity,
      clock,
      onPinnedKey: (host, matches) => void alerts.pinnedKeySeen(host, matches),
    }),
    waiters: createWaiters(),
    audit,
    identity,
    clock,
    onJobReports: (hostId, reports) => jobsRef?.applyReports(hostId, reports) ?? Promise.resolve(),
    adoptScheduled: (hostId, reports, now) => adoptScheduled(adoptRepo, { hostId, reports, now }),
    onScheduleApplied: (hostId, body) => schedules.applied(hostId, body, clock.now()),
  });
  let indexRef: IndexApiService | null = null;
  let drillsRef: DrillsService | null = null;
  const snapshots = createSnapshotsService({
    repo: createSnapshotsRepo(db),
    onListingReplaced: (repositoryId) => indexRef?.dropMissingLater(repositoryId),
  });
  const jobs = jobsRef = createJobsService({
    repo: jobsRepo,
    snapshots,
    audit,
    clock,
    secretBox,
    identity,
    channel: () => agentChannel,
    log: deps.log,
    onBackupMade: (b) => indexRef?.afterBackup(b),
    onJobEnded: (j) => {
      void alertEngine.jobEnded(j.id);
      void drillsRef?.afterJob(j).catch((err) =>
        deps.log?.warn("drill figures not recorded", { jobId: j.id, error: err })
      );
    },
  });
  const index = indexRef = createIndexApiService({
    index: createSnapshotIndexService({
      repo: createSnapshotIndexRepo(deps.indexDb ?? db),
      clock,
    }),
    repo: createIndexApiRepo(db),
    jobs: () => jobs,
    clock,
    log: deps.log,
  });
  const enrollment = createEnrollmentService({ hosts: hostsRepo, audit, lockout, identity, clock });
  const hosts = createHostsService({
    repo: hostsRepo,
    audit,
    clock,
    identity,
    endSessions: (id) => agentChannel.endSessions(id),
    onChanged: () =>
      void alertEngine.evaluateRules(["host_pending", "host_offline"]).catch((err) =>
        deps.log?.warn("alert evaluation after a host change failed", { error: err })
      ),
  });
  const repositories = createRepositoriesService({
    repo: createRepositoriesRepo(db),
    secretBox,
    clock,
    redactor,
  });
  const sshKeys = createSshKeysService({
    repo: createSshKeysRepo(db),
    repositories,
    secretBox,
    clock,
    redactor,
  });
  const plans = createPlansService({ repo: createPlansRepo(db), secretBox, clock, redactor });
  const restores = createRestoresService({ repo: createRestoresRepo(db), jobs, audit, clock });
  const schedulePush = createSchedulePush({
    repo: schedulesRepo,
    spec: { repo: jobsRepo, secretBox, identity, now: () => clock.now() },
    clock,
    queue: (actor, hostId, cmd) => agentChannel.queueCommand(actor, hostId, cmd),
    log: deps.log,
  });
  const schedules = createSchedulesService({
    repo: schedulesRepo,
    audit,
    clock,
    push: schedulePush,
    log: deps.log,
  });
  const drills = drillsRef = createDrillsService({
    repo: createDrillsRepo(db),
    jobs,
    index: () => index,
    audit,
    clock,
  });
  const drillSchedulesRepo = createDrillSchedulesRepo(db);
  const drillSchedules = createDrillSchedulesService({ repo: drillSchedulesRepo, audit, clock });
  const drillScheduler = createDrillScheduler({
    repo: drillSchedulesRepo,
    drills,
    audit,
    clock,
    log: deps.log,
  });
  const install = createInstallService({
    root: PROJECT_ROOT,
    cacheDir: join(deps.facts.dataDir, "cache"),
    version: deps.facts.version,
  });
  const downloads = createDownloadsService({
    repo: createDownloadsRepo(db),
    jobs,
    broker: createStreamBroker(),
    clock,
    log: deps.log,
  });
  const dashboard = createDashboardService({
    hosts,
    users: usersRepo,
    audit,
    settings,
    clock,
    dbFile: deps.facts.dbFile,
    startedAt: deps.facts.startedAt,
  });
  const notifyRepo = createNotifyRepo(db);
  const notify = createNotifyService({
    repo: notifyRepo,
    audit,
    clock,
    secretBox,
    baseUrl: deps.config.baseUrl ?? null,
    vapidSubject: deps.config.vapidSubject ?? null,
    log: deps.log,
  });
  const push = createPushService({ repo: notifyRepo, clock, notify });
  alertEngine.listen(notify.notifier);
  const metrics = createMetricsService({
    repo: createMetricsRepo(db),
    clock,
    version: deps.facts.version,
  });
  return {
    audit,
    alerts,
    alertEngine,
    metrics,
    lockout,
    auth,
    users,
    tokens,
    settings,
    dashboard,
    identity,
    agentChannel,
    enrollment,
    hosts,
    install,
    secretBox,
    jobs,
    index,
    downloads,
    snapshots,
    sshKeys,
    repositories,
    plans,
    schedules,
    schedulePush,
    restores,
    drills,
    drillSchedules,
    drillScheduler,
    notify,
    push,
  };
}

export type Services = ReturnType<typeof createServices>;
