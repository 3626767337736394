/**
 * The running agent's conversation with the appliance: three loops sharing one session — the
 * long-poll for commands, the outbox flush, and the heartbeat. Each loop retries on its own with
 * backoff and jitter, so an appliance that is away for a minute or a month costs nothing but
 * waiting, and reports pile up safely in the outbox meanwhile.
 *
 * Some answers end the run instead: a revoked or rejected host (exit 3), a changed appliance
 * key, a protocol this agent does not know, or a key the appliance no longer knows (exit 78:
 * a person must look; the systemd unit does not restart on these).
 */
import { AGENT_ERROR, AGENT_PROTOCOL_VERSION } from "../server/contract/agent.ts";
import type { HelloResponse, HostFacts } from "../server/contract/agent.ts";
import { createBackoff, sleep } from "./backoff.ts";
import type { Backoff } from "./backoff.ts";
import { ApplianceError, ProtocolError, UnreachableError } from "./client.ts";
import type { ApplianceClient } from "./client.ts";
import type { CommandHandler } from "./commands.ts";
import type { AgentIdentity } from "./identity.ts";
import type { LogFn } from "./log.ts";
import type { Outbox } from "./outbox.ts";
import { runtime as platform } from "./platform/runtime.ts";
import { writeRuntimeState } from "./runtime_state.ts";
import type { RuntimeState } from "./runtime_state.ts";
import { authenticate } from "./session.ts";
import type { AgentSession } from "./session.ts";
import {
  acksAreGenuine,
  ApplianceKeyChangedError,
  checkProtocol,
  ProtocolMismatchError,
} from "./trust.ts";
import type { PinnedAppliance } from "./trust.ts";
import { AGENT_VERSION } from "./version.ts";

export interface Tuning {
  heartbeatMs: number;
  pendingRetryMs: number;
  batchSize: number;
  longPollSeconds: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  idleCheckMs: number;
}

export const DEFAULT_TUNING: Tuning = {
  heartbeatMs: 30_000,
  pendingRetryMs: 15_000,
  batchSize: 200,
  longPollSeconds: 25,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  idleCheckMs: 500,
};

export const EXIT = { ok: 0, error: 1, usage: 2, refused: 3, config: 78 } as const;

export interface RunResult {
  code: number;
  message: string;
}

class UntrustedAcksError extends Error {}

export interface ChannelDeps {
  stateDir: string;
  client: ApplianceClient;
  identity: AgentIdentity;
  pinned: PinnedAppliance;
  outbox: Outbox;
  commands: CommandHandler;
  log: LogFn;
  tuning: Tuning;
  facts(): Promise<HostFacts>;
  signal: AbortSignal;
  now?: () => number;
  /** Told whether each exchange with the appliance got an answer (the scheduler's offline mark). */
  onContact?(answered: boolean): void;
  /** A replicated pair's two appliances (agent/appliances.ts): pins the peer, moves to it. */
  appliances?: {
    learn(hello: HelloResponse): Promise<void>;
    failover(reason: string, from: string): Promise<boolean>;
  };
}

export async function runChannel(deps: ChannelDeps): Promise<RunResult> {
  const { client, identity, pinned, outbox, log, tuning } = deps;
  const now = deps.now ?? Date.now;
  const started = now();
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  deps.signal.addEventListener("abort", onAbort, { once: true });
  let result: RunResult = { code: EXIT.ok, message: "stopped" };
  const runtime: RuntimeState = {
    pid: platform.pid(),
    state: "starting",
    lastContactAt: null,
    clockSkewMs: null,
    lastError: null,
    updatedAt: now(),
  };

  let writing = Promise.resolve();
  const saveState = (patch: Partial<RuntimeState>) => {
    const changedState = patch.state !== undefined && patch.state !== runtime.state;
    Object.assign(runtime, patch, { updatedAt: now() });
    if (changedState) log("info", "agent state", { state: runtime.state });
    const snapshot = { ...runtime };
    writing = writing.then(() => writeRuntimeState(deps.stateDir, snapshot)).catch((err) =>
      log("warn", "cannot write the runtime state", { error: err })
    );
  };
  const fatal = (code: number, message: string, state: RuntimeState["state"]) => {
    if (stop.signal.aborted) return;
    result = { code, message };
    log("error", message);
    saveState({ state, lastError: message });
    stop.abort();
  };

  let session: AgentSession | null = null;
  let authenticating: Promise<AgentSession> | null = null;
  async function connect(): Promise<AgentSession> {
    const hello = await client.hello({
      protocolVersion: AGENT_PROTOCOL_VERSION,
      agentVersion: AGENT_VERSION,
    });
    checkProtocol(hello);
    if (hello.appliancePublicKey !== pinned.appliancePublicKey) {
      // Still ask for a challenge: it names the key this agent pinned, so the appliance can
      // raise "appliance key changed" for its admin. authenticate() refuses the answer.
      await authenticate({ client, identity, pinned, now }).catch(() => {
        // Refused as it must be (or unreachable): the error below says why either way.
      });
      throw new ApplianceKeyChangedError(
        pinned.applianceFingerprint,
        hello.applianceFingerprint,
        "the appliance says hello with another key",
      );
    }
    await deps.appliances?.learn(hello);
    const s = await authenticate({ client, identity, pinned, now });
    session = s;
    deps.onContact?.(true);
    saveState({ state: "approved", lastContactAt: now(), lastError: null });
    return s;
  }
  const getSession = (): Promise<AgentSession> => {
    if (session && now() < session.renewAt) return Promise.resolve(session);
    authenticating ??= connect().finally(() => (authenticating = null));
    return authenticating;
  };

  let wake: (() => void) | null = null;
  const wakeFlush = () => wake?.();
  // Reports leave as soon as they are on disk: a job's progress must reach the browser in
  // well under the 2 s users expect, not wait for the idle check.
  outbox.onAdd(wakeFlush);
  const waitForWork = async () => {
    while (!stop.signal.aborted && outbox.take(1).length === 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        sleep(tuning.idleCheckMs, stop.signal).then(resolve);
      });
      wake = null;
    }
  };

  function retryDelay(err: unknown, backoff: Backoff): number | null {
    if (err instanceof ApplianceKeyChangedError) {
      outbox.add([{
        kind: "alert",
        body: { code: "appliance_key_changed", message: err.message },
      }]);
      fatal(EXIT.config, err.message, "appliance_key_changed");
      return null;
    }
    if (err instanceof ProtocolMismatchError) {
      fatal(EXIT.config, err.message, "protocol_mismatch");
      return null;
    }
    if (err instanceof ApplianceError) return applianceErrorDelay(err, backoff);
    if (err instanceof UntrustedAcksError) {
      log("error", "an ingest answer is not signed by the pinned appliance; nothing was deleted");
      return backoff.next();
    }
    if (!(err instanceof UnreachableError) && !(err instanceof ProtocolError)) {
      log("error", "unexpected failure", { error: err });
    } else if (!stop.signal.aborted) {
      deps.onContact?.(false);
      log("debug", "appliance unreachable", { error: (err as Error).message });
      saveState({ lastError: (err as Error).message });
    }
    return backoff.next();
  }

  function applianceErrorDelay(err: ApplianceError, backoff: Backoff): number | null {
    switch (err.code) {
      case AGENT_ERROR.sessionInvalid:
        session = null;
        return 50;
      case AGENT_ERROR.pending:
        saveState({ state: "pending", lastContactAt: now() });
        return tuning.pendingRetryMs;
      case AGENT_ERROR.rejected:
      case AGENT_ERROR.revoked:
        fatal(
          EXIT.refused,
          err.message,
          err.code === AGENT_ERROR.rejected ? "rejected" : "revoked",
        );
        return null;
      case AGENT_ERROR.protocolTooOld:
      case AGENT_ERROR.unknownAgent:
        fatal(
          EXIT.config,
          err.message,
          err.code === AGENT_ERROR.unknownAgent ? "unknown_to_appliance" : "protocol_mismatch",
        );
        return null;
      case AGENT_ERROR.lockedOut:
      case "too_many_challenges": {
        const s = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ??
          60;
        log("warn", "the appliance asks this agent to wait", { code: err.code, seconds: s });
        return s * 1000;
      }
      default:
        log("warn", "the appliance refused a request", {
          status: err.status,
          code: err.code,
          message: err.message,
        });
        saveState({ lastError: err.message });
        if (err.code === AGENT_ERROR.ipNotAllowed) session = null;
        return Math.max(backoff.next(), err.code === AGENT_ERROR.ipNotAllowed ? 30_000 : 0);
    }
  }

  // An appliance that is gone or answers as a standby: move to the other one of the pair. Each
  // loop names the appliance it was talking to, so when all three fail at once only the first
  // moves; the others find the move made (a second move would go straight back).
  async function failedOver(err: unknown, from: string): Promise<boolean> {
    const standby = err instanceof ApplianceError && err.code === "standby_read_only";
    if (!deps.appliances || !(standby || err instanceof UnreachableError)) return false;
    if (!(await deps.appliances.failover(standby ? "standby" : "unreachable", from))) return false;
    session = null;
    return true;
  }

  async function loop(body: () => Promise<void>) {
    const backoff = createBackoff({ baseMs: tuning.backoffBaseMs, maxMs: tuning.backoffMaxMs });
    while (!stop.signal.aborted) {
      const from = pinned.applianceId;
      try {
        await body();
        backoff.reset();
      } catch (err) {
        if (stop.signal.aborted) return;
        if (await failedOver(err, from)) {
          await sleep(backoff.next(), stop.signal);
          continue;
        }
        const delay = retryDelay(err, backoff);
        if (delay === null) return;
        await sleep(delay, stop.signal);
      }
    }
  }

  const poll = async () => {
    const s = await getSession();
    const res = await client.poll(s.token, tuning.longPollSeconds, stop.signal);
    deps.onContact?.(true);
    if (res.batch && !stop.signal.aborted) {
      await deps.commands.handle(res.batch);
      wakeFlush();
    }
  };

  const flush = async () => {
    const batch = outbox.take(tuning.batchSize);
    if (batch.length === 0) return await waitForWork();
    const s = await getSession();
    const res = await client.postReports(s.token, batch);
    deps.onContact?.(true);
    if (!(await acksAreGenuine(res, pinned, identity))) throw new UntrustedAcksError();
    const sent = new Set(batch.map((r) => r.id));
    const done = [...res.acked, ...res.refused.map((r) => r.id)].filter((id) => sent.has(id));
    outbox.remove(done);
    for (const r of res.refused) {
      log("warn", "the appliance refused a report", { reportId: r.id, reason: r.reason });
    }
    log("debug", "reports delivered", {
      acked: res.acked.length,
      duplicates: res.duplicates,
      refused: res.refused.length,
    });
  };

  let factsSent = false;
  const heartbeat = async () => {
    const s = await getSession();
    const hb = await client.heartbeat(s.token, {
      sentAt: now(),
      outboxDepth: outbox.depth(),
      droppedLogs: outbox.droppedLogs(),
      uptimeSeconds: Math.floor((now() - started) / 1000),
      ...(factsSent ? {} : { facts: await deps.facts() }),
    });
    factsSent = true;
    deps.onContact?.(true);
    saveState({ lastContactAt: now(), clockSkewMs: hb.clockSkewMs });
    await sleep(tuning.heartbeatMs, stop.signal);
  };

  await Promise.all([loop(poll), loop(flush), loop(heartbeat)]);
  deps.signal.removeEventListener("abort", onAbort);
  await writing;
  return result;
}
