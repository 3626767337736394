import { actorOf } from "../auth/principal.ts";
import { CreateDrillSchema, DrillsQuerySchema } from "../contract/drills.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { DrillsService } from "./service.ts";

export function drillsRoutes(drills: DrillsService): Route[] {
  return [
    route({
      method: "POST",
      path: "/api/drills",
      access: "operator",
      body: CreateDrillSchema,
      handle: async ({ body, principal, ip }) =>
        new Reply(201, await drills.create(actorOf(principal, ip), body)),
    }),
    route({
      method: "GET",
      path: "/api/drills",
      access: "viewer",
      query: DrillsQuerySchema,
      handle: ({ query }) => drills.list(query),
    }),
    route({
      method: "GET",
      path: "/api/hosts/:id/drills/latest",
      access: "viewer",
      handle: ({ param }) => drills.latest(param("id")),
    }),
  ];
}
