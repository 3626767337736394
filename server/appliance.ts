/**
 * Starting and stopping the appliance, the same under both runtimes: read the config, open the
 * data dir, migrate, load the secret key, prepare TLS, serve; on SIGTERM finish in-flight
 * requests and close the database.
 */
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createApp } from "./app.ts";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import { openDb } from "./db/connect.ts";
import { defaultMigrationsDir, loadMigrations, migrate } from "./db/migrate.ts";
import { createLogger, createStdoutSink } from "./log.ts";
import type { LogSink } from "./log.ts";
import type { Runtime } from "./runtime.ts";
import { loadOrCreateKey } from "./secrets/box.ts";
import { createRekeyableBox } from "./replication/rekeyable_box.ts";
import { dropReplicationTriggers, openReplication } from "./replication/startup.ts";
import { createRedactor } from "./secrets/redact.ts";
import { loadOrCreateIdentity } from "./agent_channel/identity.ts";
import { createServices } from "./services.ts";
import type { TlsFacts } from "./settings/service.ts";
import { VERSION } from "./version.ts";

export interface Appliance {
  port: number;
  url: string;
  /** Logs the "listening" line; callers make it the last step of starting up. */
  announce(): void;
  stop(): Promise<void>;
}

export async function startAppliance(
  config: Config,
  runtime: Runtime,
  opts: { clock?: Clock; logSink?: LogSink } = {},
): Promise<Appliance> {
  const clock = opts.clock ?? systemClock;
  const redactor = createRedactor();
  const sink = opts.logSink ?? createStdoutSink();
  const log = createLogger({ level: config.logLevel, redactor, sink });
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const dbFile = join(dataDir, "cairn.db");
  const migrations = await loadMigrations(defaultMigrationsDir());
  dropReplicationTriggers(dbFile); // built again for the role once the schema is final
  const result = await migrate(dbFile, migrations);
  if (result.applied.length > 0) log.info("migrations applied", { applied: result.applied });
  // Made at first start, so the key exists before the first secret does.
  const secretBox = createRekeyableBox(await loadOrCreateKey(join(dataDir, "secret.key")));
  const identity = await loadOrCreateIdentity(join(dataDir, "identity.json"));
  // Before anything serves: the triggers must match the role (capture, or the standby's guard).
  let onRoleChange: (role: "primary" | "standby", e: { epoch: number; by: string }) => void =
    () => {};
  let onDetached: (by: string) => void = () => {};
  const replication = openReplication({
    dbFile,
    dataDir,
    identity,
    secretBox,
    migrations,
    now: () => clock.now(),
    log,
    config,
    onRoleChange: (role, e) => onRoleChange(role, e),
    onDetached: (by) => onDetached(by),
  });

  let tls: TlsFacts = { enabled: false, caCertPem: null, caFingerprint: null, hostnames: [] };
  let serveTls: { cert: string; key: string } | undefined;
  if (config.tls === "on") {
    // Loaded only when needed: the X.509 stack costs several MB of memory on a box with TLS off.
    const { ensureLocalTls } = await import("./tls/local_ca.ts");
    const { logTlsEvents } = await import("./tls/report.ts");
    const material = await ensureLocalTls({
      dir: join(dataDir, "tls"),
      extraHostnames: config.tlsHostnames,
    });
    logTlsEvents(log, material);
    tls = {
      enabled: true,
      caCertPem: material.caCertPem,
      caFingerprint: material.caFingerprint,
      hostnames: material.hostnames,
    };
    serveTls = { cert: material.certPem, key: material.keyPem };
  }

  const { db, close } = openDb(dbFile);
  // The snapshot index's own connection: see docs/decisions.md, "Snapshot file index".
  const indexConn = openDb(dbFile);
  const startedAt = clock.now();
  const services = createServices({
    db,
    clock,
    redactor,
    config,
    facts: { version: VERSION, runtime: runtime.name, dataDir, dbFile, startedAt, tls },
    identity,
    secretBox,
    log,
    indexDb: indexConn.db,
    standby: () => replication.service.standbyFacts(),
  });
  await services.index.recover().catch((err) => log.error("index recovery failed", { error: err }));
  // Recovery of jobs cut off by a stop; a failure here must not keep the appliance down.
  await replication.service.settle(); // a primary replaced while it was down fences itself here
  // Only a primary runs it: a standby's writes to replicated tables are dropped (replication).
  const isPrimary = () => replication.service.role() === "primary";
  if (isPrimary()) {
    await services.jobs.start().catch((err) => log.error("job recovery failed", { error: err }));
  }

  if (config.adminPassword && (await services.auth.bootstrapAdmin(config.adminPassword))) {
    log.info("admin account created from CAIRN_ADMIN_PASSWORD", { username: "admin" });
  }

  const app = createApp({
    config,
    log,
    services,
    version: VERSION,
    role: () => replication.service.role(),
    replication: replication.service,
    tls,
    peer: runtime.peer,
  });
  const server = await runtime.serve({
    hostname: config.listen.hostname,
    port: config.listen.port,
    tls: serveTls,
    fetch: app.fetch,
  });
  const sweep = setInterval(() => {
    services.auth.pruneSessions().catch((err) => log.warn("session sweep failed", { error: err }));
    services.agentChannel.sessions.prune().catch((err) =>
      log.warn("agent session sweep failed", { error: err })
    );
  }, 10 * 60_000);

  // Alerts and notifications are a primary's work: a standby would send what its primary sends.
  const startPrimaryWork = async () => {
    services.alertEngine.start(config.alertTickMs);
    services.drillScheduler.start(config.drillTickMs);
    services.schedulePush.start();
    // Picks up deliveries a stop left pending; a failure must not keep the appliance down.
    await services.notify.start().catch((err) =>
      log.error("notifier start failed", { error: err })
    );
  };
  // In this order: a tick under way may still hand the notifier an alert.
  const stopPrimaryWork = async () => {
    await services.alertEngine.stop();
    await services.drillScheduler.stop();
    await services.schedulePush.stop();
    await services.notify.stop();
  };
  if (isPrimary()) await startPrimaryWork();

  onRoleChange = (role, e) => {
    if (role === "standby") {
      void stopPrimaryWork().catch((err) =>
        log.warn("stopping a fenced primary's work failed", { error: err })
      );
      return;
    }
    void services.audit.record({ type: "user", id: null, name: e.by, ip: null }, {
      action: "replication.promoted",
      details: { epoch: e.epoch },
    }).then(() => services.jobs.start()).then(startPrimaryWork).catch((err) =>
      log.warn("starting the promoted primary's work failed", { error: err })
    );
  };
  onDetached = (by) =>
    void services.audit.record({ type: "user", id: null, name: by, ip: null }, {
      action: "replication.detached",
      details: {},
    }).catch((err) => log.warn("auditing a detach failed", { error: err }));
  const scheme = serveTls ? "https" : "http";
  const host = config.listen.hostname.includes(":")
    ? `[${config.listen.hostname}]`
    : config.listen.hostname;
  const url = `${scheme}://${host === "0.0.0.0" ? "localhost" : host}:${server.port}`;

  replication.service.start(url);
  let stopping: Promise<void> | null = null;
  return {
    port: server.port,
    url,
    announce: () =>
      log.info("Cairn is listening", { url, dataDir, version: VERSION, runtime: runtime.name }),
    stop() {
      stopping ??= (async () => {
        clearInterval(sweep);
        await stopPrimaryWork();
        services.agentChannel.closeWaiters(); // parked long-polls answer now, not in 30 s
        services.jobs.closeStreams(); // open job streams end, or shutdown would wait for them
        await replication.close(); // the standby loop and parked long-polls end first
        await server.shutdown();
        await indexConn.close();
        await close();
        log.info("Cairn stopped");
        if ("flush" in sink) (sink as { flush(): void }).flush();
      })();
      return stopping;
    },
  };
}
