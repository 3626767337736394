/**
 * An agent asks to join: `hello` tells it who the appliance is and which protocol it speaks, and
 * `enroll` carries its host facts signed by its key (over the appliance id, so the request is
 * good for this appliance only). Nothing is stored unless the signature verifies. Without a
 * token the host waits as pending for an admin; a valid one-time token approves it at once. A
 * rejected or revoked key is refused for good.
 */
import * as v from "valibot";
import type { Actor, AuditService } from "../audit/service.ts";
import type { Lockout } from "../auth/lockout.ts";
import type { Clock } from "../clock.ts";
import {
  AGENT_ERROR,
  AGENT_PROTOCOL_VERSION,
  EnrollPayloadSchema,
  MIN_AGENT_PROTOCOL_VERSION,
  SIGN_CONTEXT,
} from "../contract/agent.ts";
import type {
  EnrollPayload,
  EnrollResponse,
  HelloRequest,
  HelloResponse,
  SignedEnvelope,
} from "../contract/agent.ts";
import { fingerprintOf, fromBase64, verifySignature } from "../contract/agent_crypto.ts";
import { AppError, BadRequestError, ValidationError } from "../errors.ts";
import type { Host, HostsRepo } from "../hosts/repo.ts";
import { newId, sha256Hex } from "../ids.ts";
import type { ApplianceIdentity } from "../agent_channel/identity.ts";
import { protocolTooOld, stateError } from "../agent_channel/sessions.ts";
import { VERSION } from "../version.ts";

export function createEnrollmentService(deps: {
  hosts: HostsRepo;
  audit: AuditService;
  lockout: Lockout;
  identity: ApplianceIdentity;
  clock: Clock;
}) {
  const { hosts, audit, lockout, identity, clock } = deps;

  async function answer(host: Host, state: "pending" | "approved"): Promise<EnrollResponse> {
    const signature = await identity.signer.sign(SIGN_CONTEXT.enrolled, [
      identity.applianceId,
      host.publicKey,
      host.id,
      state,
    ]);
    return {
      hostId: host.id,
      state,
      applianceId: identity.applianceId,
      appliancePublicKey: identity.publicKey,
      signature,
    };
  }

  /** Checks the signature, then the payload; 401 before anything else is looked at. */
  async function openEnvelope(env: SignedEnvelope, ip: string): Promise<EnrollPayload> {
    const ok = await verifySignature(env.publicKey, env.signature, {
      context: SIGN_CONTEXT.enroll,
      fields: [identity.applianceId, env.publicKey, env.payload],
    });
    if (!ok) {
      await lockout.recordFailure([`agent-ip:${ip}`]);
      throw new AppError(
        401,
        AGENT_ERROR.badSignature,
        "The enrollment is not signed by the key it names, or not for this appliance",
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(env.payload);
    } catch {
      throw new BadRequestError("The enrollment payload is not valid JSON");
    }
    const parsed = v.safeParse(EnrollPayloadSchema, json);
    if (!parsed.success) {
      const field = (parsed.issues[0].path ?? []).map((p) => String(p.key))
        .filter((k) => /^[A-Za-z0-9_]{1,40}$/.test(k)).join(".");
      throw new ValidationError(`Invalid enrollment: ${field || "payload"} is not valid`);
    }
    const payload = parsed.output;
    if (payload.publicKey !== env.publicKey || payload.applianceId !== identity.applianceId) {
      throw new BadRequestError("The enrollment payload names another key or appliance");
    }
    if (payload.protocolVersion < MIN_AGENT_PROTOCOL_VERSION) {
      throw protocolTooOld(payload.protocolVersion);
    }
    return payload;
  }

  async function spendableToken(token: string, ip: string) {
    const found = await hosts.findTokenByHash(await sha256Hex(token));
    const now = clock.now();
    if (!found || found.usedAt !== null || found.revokedAt !== null || found.expiresAt <= now) {
      await lockout.recordFailure([`agent-ip:${ip}`]);
      throw new AppError(
        401,
        AGENT_ERROR.invalidToken,
        "The enrollment token is unknown, used, revoked or expired",
      );
    }
    return found;
  }

  return {
    hello(req: HelloRequest): HelloResponse {
      if (req.protocolVersion < MIN_AGENT_PROTOCOL_VERSION) {
        throw protocolTooOld(req.protocolVersion);
      }
      return {
        protocolVersion: AGENT_PROTOCOL_VERSION,
        minAgentProtocolVersion: MIN_AGENT_PROTOCOL_VERSION,
        applianceId: identity.applianceId,
        appliancePublicKey: identity.publicKey,
        applianceFingerprint: identity.fingerprint,
        serverTime: clock.now(),
        version: VERSION,
      };
    },

    async enroll(env: SignedEnvelope, ip: string): Promise<EnrollResponse> {
      await lockout.assertOpen([`agent-ip:${ip}`, `agent-key:${env.publicKey}`]);
      const p = await openEnvelope(env, ip);
      const now = clock.now();
      const existing = await hosts.findHostByKey(p.publicKey);
      const token = p.token === undefined
        ? null
        : await spendableTokenUnless(existing, p.token, ip);
      if (existing) return await reenroll(existing, p, { token, ip, now });
      const host: Host = {
        id: newId("hst", now),
        name: token?.name ?? p.facts.hostname,
        publicKey: p.publicKey,
        boxPublicKey: p.boxPublicKey,
        fingerprint: await fingerprintOf(fromBase64(p.publicKey)!),
        state: token ? "approved" : "pending",
        tags: token?.tags ?? [],
        facts: p.facts,
        lockIp: token?.lockIp ?? null,
        enrolledIp: ip,
        protocolVersion: p.protocolVersion,
        createdAt: now,
        updatedAt: now,
        decidedAt: token ? now : null,
        decidedBy: token ? `token:${token.id}` : null,
      };
      const actor: Actor = { type: "agent", id: host.id, name: host.name, ip };
      if (token) {
        if (!(await hosts.insertHostWithToken(host, token.id, now))) throw raceLost();
      } else await hosts.insertHost(host);
      await audit.record(actor, {
        action: token ? "host.enrolled_with_token" : "host.enrolled",
        target: { type: "host", id: host.id },
        details: {
          fingerprint: host.fingerprint,
          hostname: p.facts.hostname,
          ...(token ? { tokenId: token.id } : {}),
        },
      });
      return answer(host, host.state as "pending" | "approved");
    },
  };

  /** A token is only looked at (and spent) for a key that can still use one. */
  async function spendableTokenUnless(existing: Host | undefined, token: string, ip: string) {
    if (existing && existing.state !== "pending") return null;
    return await spendableToken(token, ip);
  }

  async function reenroll(
    host: Host,
    p: EnrollPayload,
    ctx: { token: Awaited<ReturnType<typeof spendableToken>> | null; ip: string; now: number },
  ): Promise<EnrollResponse> {
    if (host.state === "rejected" || host.state === "revoked") {
      await audit.record({ type: "agent", id: host.id, name: host.name, ip: ctx.ip }, {
        action: "agent.enroll_refused",
        target: { type: "host", id: host.id },
        details: { state: host.state },
      });
      throw stateError(host.state);
    }
    if (
      JSON.stringify(host.facts) !== JSON.stringify(p.facts) ||
      host.protocolVersion !== p.protocolVersion
    ) {
      await hosts.updateFacts(host.id, p.facts, p.protocolVersion, ctx.now);
    }
    if (host.state === "pending" && ctx.token) {
      const t = ctx.token;
      const ok = await hosts.approveWithToken(host.id, t.id, {
        name: t.name ?? host.name,
        tags: t.tags,
        lockIp: t.lockIp,
        by: `token:${t.id}`,
        now: ctx.now,
      });
      if (!ok) throw raceLost();
      await audit.record({ type: "agent", id: host.id, name: host.name, ip: ctx.ip }, {
        action: "host.approved_by_token",
        target: { type: "host", id: host.id },
        details: { tokenId: t.id },
      });
      return answer(host, "approved");
    }
    return answer(host, host.state === "approved" ? "approved" : "pending");
  }
}

function raceLost() {
  return new AppError(
    409,
    "enrollment_conflict",
    "The token or host changed meanwhile; enroll again",
  );
}

export type EnrollmentService = ReturnType<typeof createEnrollmentService>;
