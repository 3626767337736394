/** The agent's commands: what `id`, `enroll`, `run`, `status` and `emit` do, given a config. */
import { join } from "node:path";
import { AGENT_ERROR } from "../server/contract/agent.ts";
import { groupFingerprint } from "../server/contract/agent_crypto.ts";
import { EXIT, runChannel } from "./channel.ts";
import { ApplianceError, createClient, UnreachableError } from "./client.ts";
import type { ApplianceClient } from "./client.ts";
import { createCommandHandler } from "./commands.ts";
import { createListingUploader } from "./jobs/listing_upload.ts";
import { createStreamUploader, sessionSource } from "./jobs/stream_upload.ts";
import { canRawUpload } from "./platform/raw_upload.ts";
import { createJobRunner } from "./jobs/runner.ts";
import { nextRun } from "./schedule/decide.ts";
import { createScheduler } from "./schedule/scheduler.ts";
import { createScheduleStore } from "./schedule/store.ts";
import type { AgentConfig } from "./config.ts";
import { USAGE, UsageError } from "./config.ts";
import { enroll, FingerprintMismatchError, readEnrollment } from "./enrollment.ts";
import { gatherFacts } from "./facts.ts";
import { loadOrCreateIdentity } from "./identity.ts";
import { createLog } from "./log.ts";
import { openOutbox } from "./outbox.ts";
import { createFetch } from "./platform/http.ts";
import { runtime } from "./platform/runtime.ts";
import { readRuntimeState } from "./runtime_state.ts";
import { createSecretStore } from "./secrets.ts";
import { authenticate } from "./session.ts";
import { ApplianceKeyChangedError, checkProtocol, ProtocolMismatchError } from "./trust.ts";
import { AGENT_VERSION } from "./version.ts";
import { createApplianceSet } from "./appliances.ts";

const out = (line: string) => console.log(line);
const OUTBOX_FILE = "outbox.db";

function clientFor(
  cfg: AgentConfig,
  server: string | (() => string),
  timeoutMs?: number,
): ApplianceClient {
  return createClient({
    baseUrl: server,
    fetch: createFetch({ localAddress: cfg.localAddress }),
    timeoutMs,
  });
}

/** Maps the failures every networked command can meet to a message and an exit code. */
function failure(err: unknown): { code: number; message: string } {
  if (
    err instanceof ApplianceKeyChangedError || err instanceof ProtocolMismatchError ||
    err instanceof FingerprintMismatchError
  ) {
    return { code: EXIT.config, message: err.message };
  }
  if (err instanceof ApplianceError) {
    const refused = err.code === AGENT_ERROR.rejected || err.code === AGENT_ERROR.revoked;
    return {
      code: refused ? EXIT.refused : EXIT.error,
      message: `The appliance refused: ${err.message}`,
    };
  }
  if (err instanceof UnreachableError) return { code: EXIT.error, message: err.message };
  throw err;
}

async function cmdId(cfg: AgentConfig): Promise<number> {
  const id = await loadOrCreateIdentity(cfg.stateDir);
  if (cfg.json) {
    out(
      JSON.stringify({ fingerprint: id.fingerprint, phrase: id.phrase, publicKey: id.publicKey }),
    );
  } else {
    out(`Fingerprint: ${groupFingerprint(id.fingerprint)}`);
    out(`Phrase:      ${id.phrase}`);
  }
  return EXIT.ok;
}

async function cmdEnroll(cfg: AgentConfig): Promise<number> {
  if (!cfg.server || !/^https?:\/\/./.test(cfg.server)) {
    throw new UsageError("enroll needs --server http(s)://appliance");
  }
  const identity = await loadOrCreateIdentity(cfg.stateDir);
  try {
    const e = await enroll({
      stateDir: cfg.stateDir,
      client: clientFor(cfg, cfg.server),
      identity,
      facts: await gatherFacts(),
      token: cfg.token ?? undefined,
      expectFingerprint: cfg.applianceFingerprint ?? undefined,
    });
    if (cfg.json) {
      out(
        JSON.stringify({
          state: e.state,
          hostId: e.hostId,
          fingerprint: identity.fingerprint,
          phrase: identity.phrase,
          applianceFingerprint: e.applianceFingerprint,
        }),
      );
      return EXIT.ok;
    }
    out(
      `Enrolled with the appliance at ${e.server} (appliance ${
        groupFingerprint(e.applianceFingerprint)
      }).`,
    );
    out(
      e.state === "approved"
        ? "This host is approved."
        : "This host waits for an admin to approve it. Compare on the appliance:",
    );
    out(`  Fingerprint: ${groupFingerprint(identity.fingerprint)}`);
    out(`  Phrase:      ${identity.phrase}`);
    return EXIT.ok;
  } catch (err) {
    const f = failure(err);
    console.error(`cairn-agent: ${f.message}`);
    return f.code;
  }
}

async function cmdRun(cfg: AgentConfig): Promise<number> {
  const enrollment = await readEnrollment(cfg.stateDir);
  if (!enrollment) {
    console.error(
      `cairn-agent: this host is not enrolled yet (state dir ${cfg.stateDir}); run cairn-agent enroll first`,
    );
    return EXIT.config;
  }
  const identity = await loadOrCreateIdentity(cfg.stateDir);
  const log = createLog({ level: cfg.logLevel });
  // A replicated pair: every client reads the current appliance's address from `enrollment`.
  const appliances = await createApplianceSet({ stateDir: cfg.stateDir, enrollment, log });
  enrollment.alsoTrusted = () => appliances.pinned();
  const server = () => enrollment.server;
  const outbox = await openOutbox(join(cfg.stateDir, OUTBOX_FILE), { driver: cfg.sqliteDriver });
  const stop = new AbortController();
  runtime.onTerminate(() => stop.abort());
  log("info", "cairn-agent starting", {
    version: AGENT_VERSION,
    server: enrollment.server,
    hostId: enrollment.hostId,
    outboxDepth: outbox.depth(),
  });
  const facts = () => gatherFacts();
  const jobs = createJobRunner({
    stateDir: cfg.stateDir,
    outbox,
    identity,
    pinned: enrollment,
    log,
    listings: createListingUploader({
      client: clientFor(cfg, server),
      identity,
      pinned: enrollment,
      fetch: createFetch({ localAddress: cfg.localAddress }),
    }),
    streams: createStreamUploader({
      baseUrl: enrollment.server,
      // fetch's streamed uploads crawl (platform/raw_upload.ts); a bound local address needs it.
      raw: canRawUpload() && !cfg.localAddress,
      fetch: createFetch({ localAddress: cfg.localAddress }),
      token: sessionSource({
        client: clientFor(cfg, server),
        identity,
        pinned: enrollment,
      }),
    }),
  });
  await jobs.start();
  let answered = false;
  const scheduler = createScheduler({
    store: createScheduleStore(cfg.stateDir),
    outbox,
    runner: jobs,
    hostId: enrollment.hostId,
    log,
    next: nextRun,
    online: () => answered,
  });
  await scheduler.start();
  try {
    const r = await runChannel({
      stateDir: cfg.stateDir,
      client: clientFor(cfg, server),
      identity,
      pinned: enrollment,
      outbox,
      commands: createCommandHandler({
        outbox,
        pinned: enrollment,
        identity,
        secrets: createSecretStore({ stateDir: cfg.stateDir, identity, pinned: enrollment }),
        log,
        facts,
        runners: { ...jobs.runners, "schedule.put": (cmd) => scheduler.put(cmd.args) },
      }),
      log,
      tuning: cfg.tuning,
      facts,
      signal: stop.signal,
      onContact: (ok) => (answered = ok),
      appliances,
    });
    log(r.code === EXIT.ok ? "info" : "error", "cairn-agent stopped", {
      code: r.code,
      reason: r.message,
    });
    return r.code;
  } finally {
    await scheduler.stop();
    await jobs.stop();
    outbox.close();
  }
}

async function probe(
  cfg: AgentConfig,
  server: string,
  pinned: Parameters<typeof authenticate>[0]["pinned"],
) {
  const client = clientFor(cfg, server, 5_000);
  const identity = await loadOrCreateIdentity(cfg.stateDir);
  try {
    checkProtocol(await client.hello({ protocolVersion: 1, agentVersion: AGENT_VERSION }));
    await authenticate({ client, identity, pinned });
    return "approved";
  } catch (err) {
    if (err instanceof ApplianceError && err.code.startsWith("host_")) return err.code.slice(5);
    if (err instanceof ApplianceKeyChangedError) return "appliance key changed";
    return `unreachable or refused (${(err as Error).message})`;
  }
}

async function cmdStatus(cfg: AgentConfig): Promise<number> {
  const identity = await loadOrCreateIdentity(cfg.stateDir);
  const enrollment = await readEnrollment(cfg.stateDir);
  const runtime = await readRuntimeState(cfg.stateDir);
  const outbox = await openOutbox(join(cfg.stateDir, OUTBOX_FILE), { driver: cfg.sqliteDriver });
  const depth = outbox.depth();
  const dropped = outbox.droppedLogs();
  outbox.close();
  const live = enrollment && !cfg.offline ? await probe(cfg, enrollment.server, enrollment) : null;
  const report = {
    fingerprint: identity.fingerprint,
    phrase: identity.phrase,
    enrolled: enrollment !== null,
    server: enrollment?.server ?? null,
    hostId: enrollment?.hostId ?? null,
    applianceFingerprint: enrollment?.applianceFingerprint ?? null,
    live,
    service: runtime,
    outboxDepth: depth,
    droppedLogs: dropped,
  };
  if (cfg.json) out(JSON.stringify(report));
  else {
    out(`Fingerprint: ${groupFingerprint(identity.fingerprint)}`);
    out(`Phrase:      ${identity.phrase}`);
    out(
      enrollment
        ? `Appliance:   ${enrollment.server} (host ${enrollment.hostId})`
        : "Appliance:   not enrolled",
    );
    if (live) out(`Now:         ${live}`);
    if (runtime) {
      const seen = runtime.lastContactAt ? new Date(runtime.lastContactAt).toISOString() : "never";
      out(
        `Service:     ${runtime.state}, last contact ${seen}${
          runtime.lastError ? `, last error: ${runtime.lastError}` : ""
        }`,
      );
    }
    out(`Outbox:      ${depth} reports waiting, ${dropped} log lines dropped`);
  }
  return EXIT.ok;
}

async function cmdEmit(cfg: AgentConfig): Promise<number> {
  if (!["event", "log", "alert"].includes(cfg.kind)) {
    throw new UsageError("--kind must be event, log or alert");
  }
  const outbox = await openOutbox(join(cfg.stateDir, OUTBOX_FILE), { driver: cfg.sqliteDriver });
  try {
    for (let done = 0; done < cfg.count;) {
      const n = Math.min(1000, cfg.count - done);
      outbox.add(
        Array.from(
          { length: n },
          (_, i) => ({ kind: cfg.kind, body: { text: cfg.text, n: done + i } }),
        ),
      );
      done += n;
    }
  } finally {
    outbox.close();
  }
  if (!cfg.json) out(`Queued ${cfg.count} ${cfg.kind} report${cfg.count === 1 ? "" : "s"}.`);
  return EXIT.ok;
}

export async function runCli(cfg: AgentConfig): Promise<number> {
  switch (cfg.command) {
    case "help":
      out(USAGE);
      return EXIT.ok;
    case "id":
      return await cmdId(cfg);
    case "enroll":
      return await cmdEnroll(cfg);
    case "run":
      return await cmdRun(cfg);
    case "status":
      return await cmdStatus(cfg);
    case "emit":
      return await cmdEmit(cfg);
    default:
      throw new UsageError(`Unknown command: ${cfg.command}`);
  }
}
