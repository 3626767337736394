/**
 * The notification endpoints (issue 5), typed by the server's contract, over the PWA's one
 * ApiClient: channels with their test and delivery log, and this user's Web Push devices.
 * Made on demand by the notifications screen.
 */
import type {
  ChannelView,
  CreateChannel,
  CreatePushSubscription,
  DeliveryView,
  PushSubscriptionView,
  TestResultView,
  UpdateChannel,
  VapidKeyView,
} from "../../../server/contract/notify.ts";
import type { ApiClient } from "./client.ts";
import { listOf, unwrap } from "./envelope.ts";

const enc = encodeURIComponent;

export function createNotifyApi(client: ApiClient) {
  const channel = (id: string) => `/api/channels/${enc(id)}`;
  return {
    channels: {
      list: async () => listOf<ChannelView>(await client.get<unknown>("/api/channels")),
      create: async (body: CreateChannel) =>
        unwrap<ChannelView>(await client.send<unknown>("POST", "/api/channels", body), "channel"),
      update: async (id: string, body: UpdateChannel) =>
        unwrap<ChannelView>(await client.send<unknown>("PATCH", channel(id), body), "channel"),
      remove: (id: string) => client.send<void>("DELETE", channel(id)),
      test: (id: string) => client.send<TestResultView>("POST", `${channel(id)}/test`, {}),
      deliveries: async (id: string, limit = 20) =>
        listOf<DeliveryView>(await client.get<unknown>(`${channel(id)}/deliveries`, { limit })),
    },
    push: {
      vapidKey: () => client.get<VapidKeyView>("/api/push/vapid-key"),
      list: async () =>
        listOf<PushSubscriptionView>(await client.get<unknown>("/api/push/subscriptions")),
      /** Answers the subscription's id: the same endpoint again answers the same id. */
      subscribe: (body: CreatePushSubscription) =>
        client.send<{ id: string }>("POST", "/api/push/subscriptions", body),
      remove: (id: string) => client.send<void>("DELETE", `/api/push/subscriptions/${enc(id)}`),
      test: () => client.send<TestResultView>("POST", "/api/push/test", {}),
    },
  };
}

export type NotifyApi = ReturnType<typeof createNotifyApi>;
