import {
  ChallengeRequestSchema,
  CommandPollQuerySchema,
  HeartbeatSchema,
  HelloRequestSchema,
  LIMITS,
  ReportBatchSchema,
  SessionRequestSchema,
  SignedEnvelopeSchema,
} from "../contract/agent.ts";
import type { HelloPeer } from "../contract/agent.ts";
import type { EnrollmentService } from "../enrollment/service.ts";
import { route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { AgentChannelService } from "./service.ts";

const V1 = "/api/agent/v1";

export function agentRoutes(
  deps: {
    enrollment: EnrollmentService;
    channel: AgentChannelService;
    /** The other appliance of a replicated pair, signed, for the agent to pin (replication). */
    peers?: () => Promise<HelloPeer[]>;
    /** Synchronous replication: resolves once the standby holds what was just stored. */
    durable?: () => Promise<void>;
  },
): Route[] {
  const { enrollment, channel } = deps;
  return [
    route({
      method: "POST",
      path: `${V1}/hello`,
      access: "public",
      body: HelloRequestSchema,
      handle: async ({ body }) => {
        const hello = enrollment.hello(body);
        const peers = (await deps.peers?.()) ?? [];
        return peers.length > 0 ? { ...hello, peers } : hello;
      },
    }),
    route({
      method: "POST",
      path: `${V1}/enroll`,
      access: "public",
      body: SignedEnvelopeSchema,
      bodyLimit: LIMITS.enrollBodyBytes,
      handle: ({ body, ip }) => enrollment.enroll(body, ip),
    }),
    route({
      method: "POST",
      path: `${V1}/challenge`,
      access: "public",
      body: ChallengeRequestSchema,
      handle: ({ body, ip }) => channel.sessions.challenge(body, ip),
    }),
    route({
      method: "POST",
      path: `${V1}/session`,
      access: "public",
      body: SessionRequestSchema,
      handle: ({ body, ip }) => channel.sessions.openSession(body, ip),
    }),
    route({
      method: "POST",
      path: `${V1}/heartbeat`,
      access: "agent",
      body: HeartbeatSchema,
      handle: ({ body, agent, ip }) => channel.heartbeat(agent!, body, ip),
    }),
    route({
      method: "GET",
      path: `${V1}/commands`,
      access: "agent",
      query: CommandPollQuerySchema,
      handle: ({ query, agent, ip }) => channel.pollCommands(agent!, query.wait, ip),
    }),
    route({
      method: "POST",
      path: `${V1}/reports`,
      access: "agent",
      body: ReportBatchSchema,
      bodyLimit: LIMITS.reportBatchBodyBytes,
      handle: async ({ body, agent, ip }) => {
        const answer = await channel.ingest(agent!, body.reports, ip);
        await deps.durable?.();
        return answer;
      },
    }),
  ];
}
