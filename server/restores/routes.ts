import { actorOf } from "../auth/principal.ts";
import {
  CreateRestoreSchema,
  RestoreRootsSchema,
  RestoresQuerySchema,
} from "../contract/restores.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { RestoresService } from "./service.ts";

export function restoresRoutes(restores: RestoresService): Route[] {
  return [
    route({
      method: "POST",
      path: "/api/restores",
      access: "operator",
      body: CreateRestoreSchema,
      handle: async ({ body, principal, ip }) =>
        new Reply(201, await restores.create(actorOf(principal, ip), body)),
    }),
    route({
      method: "GET",
      path: "/api/restores",
      access: "viewer",
      query: RestoresQuerySchema,
      handle: ({ query }) => restores.list(query),
    }),
    route({
      method: "GET",
      path: "/api/hosts/:id/restore-roots",
      access: "viewer",
      handle: ({ param }) => restores.roots(param("id")),
    }),
    route({
      method: "PATCH",
      path: "/api/hosts/:id/restore-roots",
      access: "admin",
      body: RestoreRootsSchema,
      handle: async ({ param, body, principal, ip }) =>
        await restores.setRoots(actorOf(principal, ip), param("id"), body.roots),
    }),
  ];
}
