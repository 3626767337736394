import type { Context } from "hono";
import { actorOf } from "../auth/principal.ts";
import { EmptySchema } from "../contract/api.ts";
import {
  ChangesQuerySchema,
  DetachSchema,
  PairRequestSchema,
  PromoteSchema,
  REPLICATION_HEADERS as H,
} from "../contract/replication.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { ReplicationService } from "./service.ts";

function signedJson(out: { body: string; signature: string }): Response {
  return new Response(out.body, {
    headers: { "content-type": "application/json", [H.signature]: out.signature },
  });
}

function verifyGet(replication: ReplicationService, c: Context) {
  const url = new URL(c.req.url);
  return replication.verify({
    method: c.req.method,
    path: url.pathname + url.search,
    header: (name) => c.req.header(name),
    body: "",
  });
}

/** Appliance-to-appliance routes (signed, checked by the service) and the browser's. */
export function replicationRoutes(replication: ReplicationService): Route[] {
  return [
    route({
      method: "POST",
      path: "/api/replication/v1/pair",
      access: "public",
      body: PairRequestSchema,
      handle: ({ body }) => replication.pair(body),
    }),
    route({
      method: "GET",
      path: "/api/replication/v1/changes",
      access: "public",
      query: ChangesQuerySchema,
      handle: async ({ c, query }) => {
        const peer = await verifyGet(replication, c);
        return signedJson(await replication.changes(peer, query, c.req.raw.signal));
      },
    }),
    route({
      method: "GET",
      path: "/api/replication/v1/snapshot",
      access: "public",
      handle: async ({ c }) => {
        const peer = await verifyGet(replication, c);
        const snap = await replication.snapshot(peer);
        return new Response(snap.stream, { headers: snap.headers });
      },
    }),
    route({
      method: "GET",
      path: "/api/replication/v1/status",
      access: "public",
      handle: async ({ c }) => {
        const peer = await verifyGet(replication, c);
        return signedJson(await replication.peerStatus(peer));
      },
    }),
    route({
      method: "GET",
      path: "/api/replication/status",
      access: "viewer",
      handle: () => replication.status(),
    }),
    route({
      method: "POST",
      path: "/api/replication/pairing-codes",
      access: "admin",
      body: EmptySchema,
      handle: ({ principal, ip }) =>
        new Reply(201, replication.createPairingCode(actorOf(principal, ip).name)),
    }),
    route({
      method: "POST",
      path: "/api/replication/promote",
      access: "admin",
      body: PromoteSchema,
      handle: async ({ principal, ip }) => {
        await replication.promote(actorOf(principal, ip).name);
        return await replication.status();
      },
    }),
    route({
      method: "POST",
      path: "/api/replication/detach",
      access: "admin",
      body: DetachSchema,
      handle: async ({ principal, ip }) => {
        replication.detach(actorOf(principal, ip).name);
        return await replication.status();
      },
    }),
  ];
}
