/**
 * The channel to approved agents: heartbeats (contact, clock skew), the signed command batches
 * handed out by long-poll, and report ingest. Reports are acknowledged only once committed: the
 * batch is one transaction, each id is stored once, and a report that cannot be accepted is
 * refused by id with a reason while the rest of its batch goes in.
 */
import type { Actor, AuditService } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import { ackFields, LIMITS, reportClass, SIGN_CONTEXT } from "../contract/agent.ts";
import type {
  CommandBatchPayload,
  CommandPollResponse,
  Heartbeat,
  HeartbeatResponse,
  IngestResponse,
  Report,
} from "../contract/agent.ts";
import { NotFoundError } from "../errors.ts";
import type { ContactPatch, HostsRepo } from "../hosts/repo.ts";
import { newId } from "../ids.ts";
import type { ApplianceIdentity } from "./identity.ts";
import { createGroupCommitter } from "./group_commit.ts";
import { jobIdsOf, parseReports, sortReports } from "./ingest.ts";
import { sealForAgent } from "./seal.ts";
import type {
  AdoptedJob,
  AgentChannelRepo,
  QueuedCommand,
  ReportGroup,
  StoredReport,
} from "./repo.ts";
import { stateError } from "./sessions.ts";
import type { AgentPrincipal, AgentSessions } from "./sessions.ts";
import type { Waiters } from "./waiters.ts";

export const HEARTBEAT_SECONDS = 30;
/**
 * A command delivered but not acknowledged this long after is delivered again (the agent runs
 * each id once, so a second copy is harmless). Acknowledgements leave the agent as soon as they
 * are on its disk, so this only matters when a poll's answer was lost on the way: then the
 * command (a download someone waits for) is late by seconds, not a minute.
 */
const REDELIVER_MS = 10_000;
const CONTACT_WRITE_MS = 5_000;

export interface QueueCommandInput {
  kind: string;
  jobId?: string | null;
  args?: Record<string, unknown>;
}

export function createAgentChannelService(deps: {
  repo: AgentChannelRepo;
  hosts: HostsRepo;
  sessions: AgentSessions;
  waiters: Waiters;
  audit: AuditService;
  identity: ApplianceIdentity;
  clock: Clock;
  /**
   * Called once a batch is committed, with its accepted reports that name a job (re-sent ones
   * included: the callee must be idempotent). A failure here never fails the ingest: the
   * reports are stored and acknowledged either way.
   */
  onJobReports?(hostId: string, reports: StoredReport[]): Promise<void>;
  /**
   * `job.scheduled` reports naming a job this host has no command for: the runs it fired from
   * its schedule. Returns the job rows to make (in the batch's transaction) and the refusals.
   */
  adoptScheduled?(
    hostId: string,
    reports: Report[],
    now: number,
  ): Promise<{ jobs: AdoptedJob[]; refused: IngestResponse["refused"] }>;
  /** A `schedule.applied` report was stored (the host's acknowledged document version). */
  onScheduleApplied?(hostId: string, body: Record<string, unknown>): Promise<void>;
}) {
  const { repo, hosts, waiters, identity, clock } = deps;
  const lastContactWrite = new Map<string, number>();
  const pendingContacts = new Map<string, ContactPatch>();
  const contactCommitter = createGroupCommitter<null, void>(async (items) => {
    const entries = [...pendingContacts].map(([hostId, contact]) => ({ hostId, contact }));
    pendingContacts.clear();
    if (entries.length > 0) await hosts.saveContacts(entries);
    return items.map(() => undefined);
  });
  const reportCommitter = createGroupCommitter((groups: ReportGroup[]) =>
    repo.commitReportGroups(groups)
  );

  /** Contact state goes in with whatever other hosts' contacts are waiting: one fsync for all. */
  function writeContact(hostId: string, patch: ContactPatch): Promise<void> {
    pendingContacts.set(hostId, { ...pendingContacts.get(hostId), ...patch });
    return contactCommitter.submit(null);
  }

  function touch(hostId: string, ip: string) {
    const now = clock.now();
    if (now - (lastContactWrite.get(hostId) ?? 0) < CONTACT_WRITE_MS) return;
    lastContactWrite.set(hostId, now);
    writeContact(hostId, { lastSeenAt: now, lastIp: ip }).catch(() => {
      // last-seen is refreshed by the host's next request; a lost write costs nothing else
    });
  }

  async function signBatch(agent: AgentPrincipal, commands: QueuedCommand[]) {
    const payload: CommandBatchPayload = {
      applianceId: identity.applianceId,
      hostId: agent.hostId,
      agentKey: agent.publicKey,
      issuedAt: clock.now(),
      commands: commands.map((c) => ({
        id: c.id,
        kind: c.kind,
        jobId: c.jobId,
        args: c.args,
        createdAt: c.createdAt,
      })),
    };
    const text = JSON.stringify(payload);
    const signature = await identity.signer.sign(SIGN_CONTEXT.commands, [
      identity.applianceId,
      agent.publicKey,
      text,
    ]);
    return { payload: text, signature };
  }

  /** Queues a command for an approved host and wakes its long-poll. */
  async function queueCommand(
    actor: Actor,
    hostId: string,
    input: QueueCommandInput,
  ): Promise<QueuedCommand> {
    const host = await hosts.findHostById(hostId);
    if (!host) throw new NotFoundError("Host", hostId);
    const now = clock.now();
    const cmd: QueuedCommand = {
      id: newId("cmd", now),
      hostId,
      kind: input.kind,
      jobId: input.jobId ?? null,
      args: input.args ?? {},
      createdBy: actor.name,
      createdAt: now,
      deliveredAt: null,
      deliveries: 0,
      ackedAt: null,
    };
    await repo.insertCommand(cmd);
    await deps.audit.record(actor, {
      action: "host.command_queued",
      target: { type: "host", id: hostId },
      details: { commandId: cmd.id, kind: cmd.kind, jobId: cmd.jobId },
    });
    waiters.wake(hostId);
    return cmd;
  }

  return {
    sessions: deps.sessions,

    async heartbeat(agent: AgentPrincipal, hb: Heartbeat, ip: string): Promise<HeartbeatResponse> {
      const now = clock.now();
      const clockSkewMs = hb.sentAt - now;
      lastContactWrite.set(agent.hostId, now);
      await writeContact(agent.hostId, {
        lastSeenAt: now,
        lastIp: ip,
        lastHeartbeatAt: now,
        clockSkewMs,
        outboxDepth: hb.outboxDepth,
        droppedLogs: hb.droppedLogs,
      });
      if (hb.facts) {
        const host = await hosts.findHostById(agent.hostId);
        if (host && JSON.stringify(host.facts) !== JSON.stringify(hb.facts)) {
          await hosts.updateFacts(agent.hostId, hb.facts, host.protocolVersion, now);
        }
      }
      return { serverTime: now, clockSkewMs, heartbeatSeconds: HEARTBEAT_SECONDS };
    },

    /** Answers at once when commands are due, else parks up to `waitSeconds`. */
    async pollCommands(
      agent: AgentPrincipal,
      waitSeconds: number,
      ip: string,
    ): Promise<CommandPollResponse> {
      touch(agent.hostId, ip);
      let due = await repo.dueCommands(
        agent.hostId,
        clock.now() - REDELIVER_MS,
        LIMITS.commandsPerBatch,
      );
      if (due.length === 0 && waitSeconds > 0) {
        const outcome = await waiters.wait(agent.hostId, waitSeconds * 1000);
        if (outcome === "closed") return { batch: null, serverTime: clock.now() };
        const host = await hosts.findHostById(agent.hostId);
        if (!host) throw new NotFoundError("Host", agent.hostId);
        if (host.state !== "approved") throw stateError(host.state);
        due = await repo.dueCommands(
          agent.hostId,
          clock.now() - REDELIVER_MS,
          LIMITS.commandsPerBatch,
        );
      }
      if (due.length === 0) return { batch: null, serverTime: clock.now() };
      await repo.markDelivered(due.map((c) => c.id), clock.now());
      return { batch: await signBatch(agent, due), serverTime: clock.now() };
    },

    async ingest(
      agent: AgentPrincipal,
      raw: Array<{ id: string }>,
      ip: string,
    ): Promise<IngestResponse> {
      const now = clock.now();
      const { parsed, refused } = parseReports(raw);
      const known = await repo.knownJobIds(agent.hostId, jobIdsOf(parsed));
      const adopt = await adoptFired(agent.hostId, parsed, known, now);
      refused.push(...adopt.refused);
      const sorted = sortReports(parsed.filter((r) => !adopt.refusedIds.has(r.id)), known);
      refused.push(...sorted.refused);
      const all: StoredReport[] = sorted.accepted.map((r) => ({
        ...r,
        hostId: agent.hostId,
        receivedAt: now,
      }));
      // Progress is the latest value only, worth nothing once newer progress or the job's end
      // arrived: it is applied and acknowledged but never stored, so a running backup costs the
      // appliance no disk write (and no fsync on a disk the backup may be busy with).
      const passing = all.filter((r) => reportClass(r.kind) === "latest" && r.jobId !== null);
      const accepted = all.filter((r) => !passing.includes(r));
      const { commandAcks, facts, alerts } = sorted;
      let duplicates = 0;
      const acked: string[] = passing.map((r) => r.id);
      if (passing.length > 0 && deps.onJobReports) {
        await deps.onJobReports(agent.hostId, passing).catch(() => {
          // progress only: the next one or the job's end brings the job up to date
        });
      }
      if (accepted.length > 0) {
        const { foreign, inserted } = await reportCommitter.submit({
          hostId: agent.hostId,
          reports: accepted,
          commandAcks,
          facts,
          now,
          adopt: adopt.jobs,
        });
        duplicates = accepted.length - foreign.size - inserted;
        for (const r of accepted) {
          if (foreign.has(r.id)) {
            refused.push({ id: r.id, reason: "This report id belongs to another host" });
          } else acked.push(r.id);
        }
        const jobReports = accepted.filter((r) => r.jobId !== null && !foreign.has(r.id));
        if (jobReports.length > 0 && deps.onJobReports) {
          await deps.onJobReports(agent.hostId, jobReports).catch(() => {
            // stored and acknowledged; the job catches up from the next report or at start
          });
        }
      }
      touch(agent.hostId, ip);
      if (alerts.length > 0) await recordAlerts(agent, alerts, ip);
      for (const r of accepted) {
        if (r.kind === "schedule.applied" && r.jobId === null && deps.onScheduleApplied) {
          await deps.onScheduleApplied(agent.hostId, r.body).catch(() => {
            // stored; the drift shows until the agent's next acknowledgement
          });
        }
      }
      const signature = await identity.signer.sign(
        SIGN_CONTEXT.acks,
        ackFields(identity.applianceId, agent.publicKey, { acked, refused }),
      );
      return { acked, refused, duplicates, serverTime: now, signature };
    },

    queueCommand,

    /**
     * Seals a secret to the host's key (NaCl box, signed by the appliance) and queues it as a
     * `secret.put` command. The plain value goes nowhere else: not the database, not the audit.
     */
    async sendSecret(actor: Actor, hostId: string, secret: { name: string; plaintext: string }) {
      const host = await hosts.findHostById(hostId);
      if (!host) throw new NotFoundError("Host", hostId);
      const sealed = await sealForAgent(identity, {
        agentKey: host.publicKey,
        boxPublicKey: host.boxPublicKey,
        name: secret.name,
        plaintext: secret.plaintext,
        now: clock.now(),
      });
      return await queueCommand(actor, hostId, { kind: "secret.put", args: { sealed } });
    },

    findCommand: (id: string) => repo.findCommand(id),
    listReports: (hostId: string, opts: { kind?: string; limit: number }) =>
      repo.listReports(hostId, opts),

    /** Ends every session of a host at once and releases its parked polls. */
    async endSessions(hostId: string) {
      await deps.sessions.endSessions(hostId);
      waiters.wake(hostId);
    },
    closeWaiters: () => waiters.closeAll(),
    parkedPolls: () => waiters.count(),
  };

  /** Scheduled runs this host fired: adopted ones join `known`; refused ones are named. */
  async function adoptFired(hostId: string, parsed: Report[], known: Set<string>, now: number) {
    const fired = parsed.filter((r) =>
      r.kind === "job.scheduled" && r.jobId !== null && !known.has(r.jobId)
    );
    if (fired.length === 0 || !deps.adoptScheduled) {
      return { jobs: [], refused: [], refusedIds: new Set<string>() };
    }
    const a = await deps.adoptScheduled(hostId, fired, now);
    for (const j of a.jobs) known.add(j.id);
    return { ...a, refusedIds: new Set(a.refused.map((r) => r.id)) };
  }

  async function recordAlerts(agent: AgentPrincipal, alerts: Report[], ip: string) {
    const host = await hosts.findHostById(agent.hostId);
    for (const a of alerts) {
      await deps.audit.record({
        type: "agent",
        id: agent.hostId,
        name: host?.name ?? agent.hostId,
        ip,
      }, {
        action: "agent.alert",
        target: { type: "host", id: agent.hostId },
        details: {
          reportId: a.id,
          code: typeof a.body.code === "string" ? a.body.code.slice(0, 80) : "unknown",
          message: typeof a.body.message === "string" ? a.body.message.slice(0, 500) : "",
        },
      });
    }
  }
}

export type AgentChannelService = ReturnType<typeof createAgentChannelService>;
