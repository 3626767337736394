import { SnapshotsQuerySchema } from "../contract/backups.ts";
import { route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { SnapshotsService } from "./service.ts";

export function snapshotsRoutes(snapshots: SnapshotsService): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/snapshots",
      access: "viewer",
      query: SnapshotsQuerySchema,
      handle: async ({ query }) => ({ snapshots: await snapshots.list(query) }),
    }),
  ];
}
