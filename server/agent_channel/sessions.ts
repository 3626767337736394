/**
 * Agent authentication by challenge-response. The agent asks for a nonce (32 random bytes,
 * single use, 60 s) and sends its own; the appliance signs both, which proves to the agent that
 * it talks to the appliance it pinned. The agent then signs (appliance id, its key, the nonce)
 * and gets a session token that lives 15 minutes; the database keeps only its SHA-256 (with the
 * appliance key).
 *
 * Failures (unknown key, missing, expired or replayed nonce, bad signature, a connection from
 * outside the host's IP lock) count against the key and the address: ten within an hour lock
 * both out for an hour, through the same lockout as password logins.
 */
import type { Actor, AuditService } from "../audit/service.ts";
import type { Lockout } from "../auth/lockout.ts";
import type { Clock } from "../clock.ts";
import {
  AGENT_ERROR,
  AGENT_PROTOCOL_VERSION,
  MIN_AGENT_PROTOCOL_VERSION,
  SIGN_CONTEXT,
} from "../contract/agent.ts";
import type {
  ChallengeRequest,
  ChallengeResponse,
  SessionRequest,
  SessionResponse,
} from "../contract/agent.ts";
import { toBase64, verifySignature } from "../contract/agent_crypto.ts";
import { AppError } from "../errors.ts";
import { ipInCidr } from "../http/client_ip.ts";
import { randomToken, sha256Hex } from "../ids.ts";
import type { Host, HostsRepo } from "../hosts/repo.ts";
import type { AgentChannelRepo } from "./repo.ts";
import type { ApplianceIdentity } from "./identity.ts";

export const CHALLENGE_MS = 60_000;
export const SESSION_MS = 15 * 60_000;
const OPEN_CHALLENGES_PER_KEY = 20;
const SESSION_PREFIX = "cas_";

/** Who is calling an `access: "agent"` route. */
export interface AgentPrincipal {
  hostId: string;
  publicKey: string;
}

export function protocolTooOld(version: number): AppError {
  return new AppError(
    400,
    AGENT_ERROR.protocolTooOld,
    `This agent speaks protocol ${version}; the appliance needs at least ${MIN_AGENT_PROTOCOL_VERSION}. ` +
      "Upgrade the agent: run the install command from the appliance's Add host dialog again",
    {
      minAgentProtocolVersion: MIN_AGENT_PROTOCOL_VERSION,
      protocolVersion: AGENT_PROTOCOL_VERSION,
    },
  );
}

export function stateError(state: Host["state"]): AppError {
  if (state === "pending") {
    return new AppError(403, AGENT_ERROR.pending, "This host waits for an admin to approve it");
  }
  if (state === "rejected") {
    return new AppError(403, AGENT_ERROR.rejected, "This host's key was rejected by an admin");
  }
  return new AppError(403, AGENT_ERROR.revoked, "This host was revoked by an admin");
}

export function ipAllowed(lockIp: string | null, ip: string): boolean {
  return lockIp === null || ipInCidr(ip, lockIp);
}

export function createAgentSessions(deps: {
  repo: AgentChannelRepo;
  hosts: HostsRepo;
  audit: AuditService;
  lockout: Lockout;
  identity: ApplianceIdentity;
  clock: Clock;
  /**
   * A known host's agent said which appliance key it pinned: `matches` false when it is not
   * this appliance's (the alert engine raises or clears "appliance key changed"); must not throw.
   */
  onPinnedKey?: (host: Host, matches: boolean) => void;
}) {
  const { repo, hosts, lockout, identity, clock } = deps;
  // A session belongs to the appliance identity that signed its challenge: an appliance that comes
  // back with another key (reinstalled, or a standby promoted) knows none of the old sessions, so
  // every agent says hello again and meets the new key there.
  const sessionKey = (token: string) => sha256Hex(`${identity.fingerprint}:${token}`);
  const keysOf = (publicKey: string, ip: string) => [`agent-key:${publicKey}`, `agent-ip:${ip}`];

  async function fail(keys: string[], actor: Actor, reason: string, err: AppError): Promise<never> {
    await lockout.recordFailure(keys);
    await deps.audit.record(actor, { action: "agent.auth_failed", details: { reason } });
    throw err;
  }

  return {
    async challenge(req: ChallengeRequest, ip: string): Promise<ChallengeResponse> {
      if (req.protocolVersion < MIN_AGENT_PROTOCOL_VERSION) {
        throw protocolTooOld(req.protocolVersion);
      }
      const keys = keysOf(req.publicKey, ip);
      await lockout.assertOpen(keys);
      const host = await hosts.findHostByKey(req.publicKey);
      const actor: Actor = {
        type: "agent",
        id: host?.id ?? null,
        name: host?.name ?? "unknown agent",
        ip,
      };
      if (!host) {
        await fail(
          [keys[1]],
          actor,
          "unknown_key",
          new AppError(401, AGENT_ERROR.unknownAgent, "This agent key is not enrolled"),
        );
      }
      if (host!.state === "rejected" || host!.state === "revoked") throw stateError(host!.state);
      if (req.pinnedFingerprint !== undefined) {
        deps.onPinnedKey?.(host!, req.pinnedFingerprint === identity.fingerprint);
      }
      const now = clock.now();
      if (await repo.countOpenChallenges(req.publicKey, now) >= OPEN_CHALLENGES_PER_KEY) {
        throw new AppError(
          429,
          "too_many_challenges",
          "Too many open challenges for this key; answer one first",
          { retryAfterSeconds: 60 },
        );
      }
      const nonce = toBase64(crypto.getRandomValues(new Uint8Array(32)));
      const expiresAt = now + CHALLENGE_MS;
      await repo.insertChallenge({ nonce, publicKey: req.publicKey, ip, now, expiresAt });
      const signature = await identity.signer.sign(SIGN_CONTEXT.challenge, [
        identity.applianceId,
        req.publicKey,
        nonce,
        req.clientNonce,
      ]);
      return {
        nonce,
        expiresAt,
        applianceId: identity.applianceId,
        appliancePublicKey: identity.publicKey,
        protocolVersion: AGENT_PROTOCOL_VERSION,
        signature,
      };
    },

    async openSession(req: SessionRequest, ip: string): Promise<SessionResponse> {
      const keys = keysOf(req.publicKey, ip);
      await lockout.assertOpen(keys);
      const now = clock.now();
      const taken = await repo.takeChallenge(req.nonce);
      const host = await hosts.findHostByKey(req.publicKey);
      const actor: Actor = {
        type: "agent",
        id: host?.id ?? null,
        name: host?.name ?? "unknown agent",
        ip,
      };
      const refuse = (reason: string, message: string) =>
        fail(keys, actor, reason, new AppError(401, AGENT_ERROR.badSignature, message));
      if (!taken || taken.publicKey !== req.publicKey) {
        await refuse("unknown_nonce", "The challenge is unknown or was already answered");
      }
      if (taken!.expiresAt <= now) {
        await refuse("expired_nonce", "The challenge expired; ask for a new one");
      }
      const ok = await verifySignature(req.publicKey, req.signature, {
        context: SIGN_CONTEXT.session,
        fields: [identity.applianceId, req.publicKey, req.nonce],
      });
      if (!ok) await refuse("bad_signature", "The signature does not verify");
      if (!host) await refuse("unknown_key", "This agent key is not enrolled");
      if (host!.state !== "approved") throw stateError(host!.state);
      if (!ipAllowed(host!.lockIp, ip)) {
        await fail(
          keys,
          actor,
          "ip_not_allowed",
          new AppError(
            403,
            AGENT_ERROR.ipNotAllowed,
            "This host may not connect from this address",
          ),
        );
      }
      await lockout.clear(keys[0]);
      const token = SESSION_PREFIX + randomToken(32);
      const expiresAt = now + SESSION_MS;
      await repo.insertSession({
        id: await sessionKey(token),
        hostId: host!.id,
        ip,
        now,
        expiresAt,
      });
      return { token, expiresAt, hostId: host!.id, serverTime: now };
    },

    /** The agent behind an `Authorization: Bearer cas_…` header; 401/403 otherwise. */
    async resolve(authorization: string | undefined, ip: string): Promise<AgentPrincipal> {
      const m = /^Bearer\s+(cas_[A-Za-z0-9_-]{20,100})$/.exec(authorization ?? "");
      const invalid = () =>
        new AppError(
          401,
          AGENT_ERROR.sessionInvalid,
          "The agent session is missing, expired or ended; authenticate again",
        );
      if (!m) throw invalid();
      const s = await repo.findSession(await sessionKey(m[1]));
      if (!s || s.expiresAt <= clock.now()) throw invalid();
      if (s.state !== "approved") throw stateError(s.state);
      if (!ipAllowed(s.lockIp, ip)) {
        throw new AppError(
          403,
          AGENT_ERROR.ipNotAllowed,
          "This host may not connect from this address",
        );
      }
      return { hostId: s.hostId, publicKey: s.publicKey };
    },

    endSessions: (hostId: string) => repo.deleteSessionsOfHost(hostId),
    prune: () => repo.pruneExpired(clock.now()),
  };
}

export type AgentSessions = ReturnType<typeof createAgentSessions>;
