/**
 * Hosts as admins see them: the list with a status worked out from the last contact, approval
 * (optionally locking the address), rejection, revocation (its sessions end at once), and "Add
 * host", which mints a one-time enrollment token shown once with a ready-to-paste command.
 * Every change is audited; no audit entry ever holds a token.
 */
import type { Actor, AuditService } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import { groupFingerprint, phraseOf } from "../contract/agent_crypto.ts";
import type {
  ApproveHost,
  CreatedEnrollmentTokenView,
  CreateEnrollmentToken,
  HostCounts,
  HostDetailView,
  HostStatus,
  HostView,
  UpdateHost,
} from "../contract/hosts.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { newId, randomToken, sha256Hex } from "../ids.ts";
import type { ApplianceIdentity } from "../agent_channel/identity.ts";
import type { EnrollmentToken, Host, HostsRepo, HostState, HostWithContact } from "./repo.ts";

export const ONLINE_WITHIN_MS = 90_000;
export const OFFLINE_AFTER_MS = 10 * 60_000;
export const TOKEN_TTL_MS = 60 * 60_000;
const SKEW_LIMIT_MS = 60_000;
const BACKLOG_LIMIT = 1000;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null | undefined) => (ms == null ? null : iso(ms));
const text = (x: unknown) => (typeof x === "string" ? x : null);

export function hostProblems(h: HostWithContact): string[] {
  const out: string[] = [];
  const c = h.contact;
  if (c?.clockSkewMs != null && Math.abs(c.clockSkewMs) > SKEW_LIMIT_MS) {
    out.push(`Clock is off by ${Math.round(c.clockSkewMs / 1000)} s`);
  }
  if (c && c.outboxDepth > BACKLOG_LIMIT) out.push(`${c.outboxDepth} reports wait to be sent`);
  if (h.facts.borgVersion == null && h.facts.resticVersion == null && Object.keys(h.facts).length) {
    out.push("Neither borg nor restic was found");
  }
  return out;
}

export function hostStatus(h: HostWithContact, now: number): HostStatus {
  if (h.state !== "approved") return h.state;
  const seen = h.contact?.lastSeenAt;
  if (seen === undefined || now - seen > OFFLINE_AFTER_MS) return "offline";
  if (now - seen > ONLINE_WITHIN_MS) return "degraded";
  return hostProblems(h).length > 0 ? "degraded" : "online";
}

export function hostView(h: HostWithContact, now: number): HostView {
  const status = hostStatus(h, now);
  const problems = hostProblems(h);
  const seen = h.contact?.lastSeenAt;
  if (
    h.state === "approved" && seen !== undefined && now - seen > ONLINE_WITHIN_MS &&
    now - seen <= OFFLINE_AFTER_MS
  ) {
    problems.unshift("Missed its heartbeats");
  }
  return {
    id: h.id,
    name: h.name,
    status,
    alwaysOnline: h.alwaysOnline !== false,
    enrollment: h.state,
    fingerprint: h.fingerprint,
    phrase: phraseOf(h.fingerprint),
    hostname: text(h.facts.hostname),
    os: text(h.facts.os),
    arch: text(h.facts.arch),
    agentVersion: text(h.facts.agentVersion),
    borgVersion: text(h.facts.borgVersion),
    resticVersion: text(h.facts.resticVersion),
    tags: h.tags,
    lockIp: h.lockIp,
    enrolledIp: h.enrolledIp,
    lastIp: h.contact?.lastIp ?? null,
    lastSeenAt: isoOrNull(seen),
    clockSkewMs: h.contact?.clockSkewMs ?? null,
    outboxDepth: h.contact?.outboxDepth ?? 0,
    problems: status === "degraded" || status === "online" ? problems : [],
    enrolledAt: iso(h.createdAt),
    decidedAt: isoOrNull(h.decidedAt),
  };
}

export function tokenView(t: EnrollmentToken) {
  return {
    id: t.id,
    name: t.name,
    tags: t.tags,
    lockIp: t.lockIp,
    createdBy: t.createdBy,
    createdAt: iso(t.createdAt),
    expiresAt: iso(t.expiresAt),
    usedAt: isoOrNull(t.usedAt),
    usedByHost: t.usedByHost,
    revokedAt: isoOrNull(t.revokedAt),
  };
}

/** A shell word in single quotes: safe to paste whatever the URL holds. */
const sq = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

export function createHostsService(deps: {
  repo: HostsRepo;
  audit: AuditService;
  clock: Clock;
  identity: ApplianceIdentity;
  /** Ends a host's sessions at once (revoke, reject). */
  endSessions(hostId: string): Promise<void>;
  /** A host's state or flags changed (the alert engine looks again); must not throw. */
  onChanged?: () => void;
}) {
  const { repo, audit, clock } = deps;

  async function mustFind(id: string): Promise<HostWithContact> {
    const h = await repo.findHostById(id);
    if (!h) throw new NotFoundError("Host", id);
    return h;
  }

  async function move(actor: Actor, id: string, from: HostState[], change: {
    state: HostState;
    action: string;
    name?: string;
    tags?: string[];
    lockIp?: string | null;
  }): Promise<HostView> {
    const host = await mustFind(id);
    if (!from.includes(host.state)) {
      throw new ConflictError(
        `The host is ${host.state}; it cannot be ${change.state} now`,
        `host_${host.state}`,
      );
    }
    const now = clock.now();
    const ok = await repo.changeState(id, from, { ...change, by: actor.name, now });
    if (!ok) {
      throw new ConflictError("The host changed meanwhile; reload and try again", "host_changed");
    }
    if (change.state !== "approved") await deps.endSessions(id);
    deps.onChanged?.();
    await audit.record(actor, {
      action: change.action,
      target: { type: "host", id },
      details: {
        fingerprint: host.fingerprint,
        ...(change.lockIp ? { lockIp: change.lockIp } : {}),
        ...(change.name && change.name !== host.name ? { name: change.name } : {}),
        ...(change.tags ? { tags: change.tags } : {}),
      },
    });
    return hostView((await repo.findHostById(id))!, clock.now());
  }

  /** The dashboard's figures: statuses only, without building every host's full view. */
  function countStatuses(rows: HostWithContact[], now: number): HostCounts {
    const counts: HostCounts = { total: 0, online: 0, degraded: 0, offline: 0, pending: 0 };
    for (const h of rows) {
      const status = hostStatus(h, now);
      if (status === "pending") counts.pending++;
      if (h.state !== "approved") continue;
      counts.total++;
      if (status === "online" || status === "degraded" || status === "offline") counts[status]++;
    }
    return counts;
  }

  async function list(): Promise<{ hosts: HostView[]; counts: HostCounts }> {
    const now = clock.now();
    const rows = await repo.listHosts();
    return { hosts: rows.map((h) => hostView(h, now)), counts: countStatuses(rows, now) };
  }

  return {
    list,

    async get(id: string): Promise<HostDetailView> {
      const h = await mustFind(id);
      const history = await audit.list({ target: id, limit: 100 });
      return {
        ...hostView(h, clock.now()),
        publicKey: h.publicKey,
        facts: h.facts,
        protocolVersion: h.protocolVersion,
        decidedBy: h.decidedBy,
        history: history.map((e) => ({
          at: iso(e.at),
          action: e.action,
          actor: e.actorName,
          ip: e.ip,
        })),
      };
    },

    approve: (actor: Actor, id: string, input: ApproveHost) =>
      move(actor, id, ["pending"], { state: "approved", action: "host.approved", ...input }),
    reject: (actor: Actor, id: string) =>
      move(actor, id, ["pending"], { state: "rejected", action: "host.rejected" }),
    revoke: (actor: Actor, id: string) =>
      move(actor, id, ["approved"], { state: "revoked", action: "host.revoked" }),

    async update(actor: Actor, id: string, input: UpdateHost): Promise<HostView> {
      const host = await mustFind(id);
      if (host.state === "rejected" || host.state === "revoked") {
        throw new ConflictError(
          `The host is ${host.state}; it cannot be changed`,
          `host_${host.state}`,
        );
      }
      await repo.updateHost(id, { ...input, now: clock.now() });
      await audit.record(actor, {
        action: "host.updated",
        target: { type: "host", id },
        details: { ...input },
      });
      return hostView((await repo.findHostById(id))!, clock.now());
    },

    async createEnrollmentToken(
      actor: Actor,
      input: CreateEnrollmentToken,
      baseUrl: string,
    ): Promise<CreatedEnrollmentTokenView> {
      const now = clock.now();
      const secret = `cet_${randomToken(32)}`;
      const token: EnrollmentToken = {
        id: newId("ent", now),
        name: input.name ?? null,
        tags: input.tags ?? [],
        lockIp: input.lockIp ?? null,
        createdBy: actor.name,
        createdAt: now,
        expiresAt: now + TOKEN_TTL_MS,
        usedAt: null,
        usedByHost: null,
        revokedAt: null,
      };
      await repo.insertToken({ ...token, tokenHash: await sha256Hex(secret) });
      await audit.record(actor, {
        action: "enrollment_token.created",
        target: { type: "enrollment_token", id: token.id },
        details: { name: token.name, tags: token.tags, expiresAt: iso(token.expiresAt) },
      });
      const fp = deps.identity.fingerprint;
      const args = `--server ${sq(baseUrl)} --token ${sq(secret)} --appliance-fingerprint ${fp}`;
      return {
        token: tokenView(token),
        secret,
        installCommand: `curl -fsSL ${sq(`${baseUrl}/install/agent.sh`)} | sudo sh -s -- ${args}`,
        enrollCommand: `cairn-agent enroll ${args}`,
        applianceFingerprint: groupFingerprint(fp),
        appliancePhrase: phraseOf(fp),
      };
    },

    listEnrollmentTokens: async () =>
      (await repo.listTokens(clock.now() - 7 * 24 * 3600_000)).map(tokenView),

    async revokeEnrollmentToken(actor: Actor, id: string) {
      if (!(await repo.revokeToken(id, clock.now()))) {
        throw new NotFoundError("Unused enrollment token", id);
      }
      await audit.record(actor, {
        action: "enrollment_token.revoked",
        target: { type: "enrollment_token", id },
      });
    },

    /** The host figures of the dashboard. */
    counts: async (): Promise<HostCounts> => countStatuses(await repo.listHosts(), clock.now()),

    async setAlwaysOnline(actor: Actor, id: string, alwaysOnline: boolean): Promise<HostView> {
      await mustFind(id);
      await repo.setAlwaysOnline(id, alwaysOnline, clock.now());
      await audit.record(actor, {
        action: "host.always_online_changed",
        target: { type: "host", id },
        details: { alwaysOnline },
      });
      deps.onChanged?.();
      return hostView((await repo.findHostById(id))!, clock.now());
    },

    async findHost(id: string): Promise<Host> {
      return await mustFind(id);
    },
  };
}

export type HostsService = ReturnType<typeof createHostsService>;
