import { actorOf } from "../auth/principal.ts";
import { EmptySchema } from "../contract/api.ts";
import { AlwaysOnlineSchema } from "../contract/alerts.ts";
import {
  ApproveHostSchema,
  CreateEnrollmentTokenSchema,
  UpdateHostSchema,
} from "../contract/hosts.ts";
import type { CommandQueuedView } from "../contract/hosts.ts";
import type { AgentChannelService } from "../agent_channel/service.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { HostsService } from "./service.ts";

export function hostsRoutes(
  deps: { hosts: HostsService; channel: AgentChannelService; baseUrl: string | null },
): Route[] {
  const { hosts, channel } = deps;
  return [
    route({ method: "GET", path: "/api/hosts", access: "viewer", handle: () => hosts.list() }),
    route({
      method: "GET",
      path: "/api/hosts/:id",
      access: "viewer",
      handle: async ({ param }) => ({ host: await hosts.get(param("id")) }),
    }),
    route({
      method: "POST",
      path: "/api/hosts/:id/approve",
      access: "admin",
      body: ApproveHostSchema,
      handle: async ({ param, body, principal, ip }) => ({
        host: await hosts.approve(actorOf(principal, ip), param("id"), body),
      }),
    }),
    route({
      method: "POST",
      path: "/api/hosts/:id/reject",
      access: "admin",
      handle: async ({ param, principal, ip }) => ({
        host: await hosts.reject(actorOf(principal, ip), param("id")),
      }),
    }),
    route({
      method: "POST",
      path: "/api/hosts/:id/revoke",
      access: "admin",
      handle: async ({ param, principal, ip }) => ({
        host: await hosts.revoke(actorOf(principal, ip), param("id")),
      }),
    }),
    route({
      method: "PATCH",
      path: "/api/hosts/:id",
      access: "admin",
      body: UpdateHostSchema,
      handle: async ({ param, body, principal, ip }) => ({
        host: await hosts.update(actorOf(principal, ip), param("id"), body),
      }),
    }),
    route({
      method: "PUT",
      path: "/api/hosts/:id/always-online",
      access: "admin",
      body: AlwaysOnlineSchema,
      handle: async ({ param, body, principal, ip }) => ({
        host: await hosts.setAlwaysOnline(actorOf(principal, ip), param("id"), body.alwaysOnline),
      }),
    }),
    route({
      method: "POST",
      path: "/api/hosts/:id/ping",
      access: "operator",
      body: EmptySchema,
      async handle({ param, principal, ip }): Promise<Reply> {
        const host = await hosts.findHost(param("id"));
        const cmd = await channel.queueCommand(actorOf(principal, ip), host.id, { kind: "ping" });
        const view: CommandQueuedView = { commandId: cmd.id };
        return new Reply(202, view);
      },
    }),
    route({
      method: "GET",
      path: "/api/enrollment-tokens",
      access: "admin",
      handle: async () => ({ tokens: await hosts.listEnrollmentTokens() }),
    }),
    route({
      method: "POST",
      path: "/api/enrollment-tokens",
      access: "admin",
      body: CreateEnrollmentTokenSchema,
      async handle({ body, principal, ip, c }) {
        const base = deps.baseUrl ?? new URL(c.req.url).origin;
        return new Reply(
          201,
          await hosts.createEnrollmentToken(actorOf(principal, ip), body, base.replace(/\/+$/, "")),
        );
      },
    }),
    route({
      method: "DELETE",
      path: "/api/enrollment-tokens/:id",
      access: "admin",
      async handle({ param, principal, ip }) {
        await hosts.revokeEnrollmentToken(actorOf(principal, ip), param("id"));
        return new Reply(204, null);
      },
    }),
  ];
}
