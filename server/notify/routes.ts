import { actorOf } from "../auth/principal.ts";
import type { Principal } from "../auth/principal.ts";
import {
  CreateChannelSchema,
  CreatePushSubscriptionSchema,
  DeliveriesQuerySchema,
  UpdateChannelSchema,
  UpdatePushSubscriptionSchema,
} from "../contract/notify.ts";
import { UnauthenticatedError } from "../errors.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { PushService } from "./push.ts";
import type { NotifyService } from "./service.ts";

function who(p: Principal | null): Principal {
  if (!p) throw new UnauthenticatedError();
  return p;
}

export function notifyRoutes(deps: { notify: NotifyService; push: PushService }): Route[] {
  const { notify, push } = deps;
  return [
    route({
      method: "GET",
      path: "/api/push/vapid-key",
      access: "viewer",
      handle: () => push.vapidKey(),
    }),
    route({
      method: "GET",
      path: "/api/push/subscriptions",
      access: "viewer",
      handle: async ({ principal }) => ({ subscriptions: await push.list(who(principal)) }),
    }),
    route({
      method: "POST",
      path: "/api/push/subscriptions",
      access: "viewer",
      body: CreatePushSubscriptionSchema,
      handle: async ({ principal, body }) =>
        new Reply(201, await push.subscribe(who(principal), body)),
    }),
    route({
      method: "PATCH",
      path: "/api/push/subscriptions/:id",
      access: "viewer",
      body: UpdatePushSubscriptionSchema,
      handle: async ({ principal, param, body }) => ({
        subscription: await push.update(who(principal), param("id"), body),
      }),
    }),
    route({
      method: "DELETE",
      path: "/api/push/subscriptions/:id",
      access: "viewer",
      async handle({ principal, param }) {
        await push.unsubscribe(who(principal), param("id"));
        return new Reply(204, null);
      },
    }),
    route({
      method: "POST",
      path: "/api/push/test",
      access: "viewer",
      handle: ({ principal }) => push.test(who(principal)),
    }),
    route({
      method: "GET",
      path: "/api/channels",
      access: "operator",
      handle: async () => ({ channels: await notify.listChannels() }),
    }),
    route({
      method: "POST",
      path: "/api/channels",
      access: "admin",
      body: CreateChannelSchema,
      handle: async ({ principal, ip, body }) =>
        new Reply(201, { channel: await notify.createChannel(actorOf(principal, ip), body) }),
    }),
    route({
      method: "GET",
      path: "/api/channels/:id",
      access: "operator",
      handle: async ({ param }) => ({ channel: await notify.getChannel(param("id")) }),
    }),
    route({
      method: "PATCH",
      path: "/api/channels/:id",
      access: "admin",
      body: UpdateChannelSchema,
      handle: async ({ principal, ip, param, body }) => ({
        channel: await notify.updateChannel(actorOf(principal, ip), param("id"), body),
      }),
    }),
    route({
      method: "DELETE",
      path: "/api/channels/:id",
      access: "admin",
      async handle({ principal, ip, param }) {
        await notify.deleteChannel(actorOf(principal, ip), param("id"));
        return new Reply(204, null);
      },
    }),
    route({
      method: "POST",
      path: "/api/channels/:id/test",
      access: "admin",
      handle: async ({ param }) => ({ deliveries: [await notify.testChannel(param("id"))] }),
    }),
    route({
      method: "GET",
      path: "/api/channels/:id/deliveries",
      access: "operator",
      query: DeliveriesQuerySchema,
      handle: async ({ param, query }) => ({
        deliveries: await notify.listDeliveries(param("id"), query.limit),
      }),
    }),
  ];
}
