import { actorOf } from "../auth/principal.ts";
import {
  CreateDrillScheduleSchema,
  DrillSchedulesQuerySchema,
  UpdateDrillScheduleSchema,
} from "../contract/drills.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { DrillSchedulesService } from "./schedule_service.ts";

export function drillSchedulesRoutes(schedules: DrillSchedulesService): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/drill-schedules",
      access: "viewer",
      query: DrillSchedulesQuerySchema,
      handle: async ({ query }) => ({ schedules: await schedules.list(query) }),
    }),
    route({
      method: "POST",
      path: "/api/drill-schedules",
      access: "operator",
      body: CreateDrillScheduleSchema,
      handle: async ({ body, principal, ip }) =>
        new Reply(201, { schedule: await schedules.create(actorOf(principal, ip), body) }),
    }),
    route({
      method: "GET",
      path: "/api/drill-schedules/:id",
      access: "viewer",
      handle: async ({ param }) => ({ schedule: await schedules.get(param("id")) }),
    }),
    route({
      method: "PATCH",
      path: "/api/drill-schedules/:id",
      access: "operator",
      body: UpdateDrillScheduleSchema,
      handle: async ({ param, body, principal, ip }) => ({
        schedule: await schedules.update(actorOf(principal, ip), param("id"), body),
      }),
    }),
    route({
      method: "DELETE",
      path: "/api/drill-schedules/:id",
      access: "operator",
      async handle({ param, principal, ip }) {
        await schedules.remove(actorOf(principal, ip), param("id"));
        return new Reply(204, null);
      },
    }),
  ];
}
