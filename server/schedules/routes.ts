import * as v from "valibot";
import { actorOf } from "../auth/principal.ts";
import { HostIdSchema, PlanIdSchema } from "../contract/backups.ts";
import {
  CreateScheduleSchema,
  PausePlanSchema,
  SchedulePreviewSchema,
  UpdateScheduleSchema,
} from "../contract/schedules.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { SchedulePush } from "./push.ts";
import type { SchedulesService } from "./service.ts";

const SchedulesQuerySchema = v.strictObject({
  planId: v.optional(PlanIdSchema),
  hostId: v.optional(HostIdSchema),
});

export function schedulesRoutes(schedules: SchedulesService): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/schedules",
      access: "viewer",
      query: SchedulesQuerySchema,
      handle: async ({ query }) => ({ schedules: await schedules.list(query) }),
    }),
    route({
      method: "POST",
      path: "/api/schedules/preview",
      access: "viewer",
      body: SchedulePreviewSchema,
      handle: ({ body }) => schedules.preview(body),
    }),
    route({
      method: "POST",
      path: "/api/schedules",
      access: "operator",
      body: CreateScheduleSchema,
      handle: async ({ body, principal, ip }) =>
        new Reply(201, { schedule: await schedules.create(actorOf(principal, ip), body) }),
    }),
    route({
      method: "GET",
      path: "/api/schedules/:id",
      access: "viewer",
      handle: async ({ param }) => ({ schedule: await schedules.get(param("id")) }),
    }),
    route({
      method: "PATCH",
      path: "/api/schedules/:id",
      access: "operator",
      body: UpdateScheduleSchema,
      handle: async ({ param, body, principal, ip }) => ({
        schedule: await schedules.update(actorOf(principal, ip), param("id"), body),
      }),
    }),
    route({
      method: "DELETE",
      path: "/api/schedules/:id",
      access: "operator",
      async handle({ param, principal, ip }) {
        await schedules.remove(actorOf(principal, ip), param("id"));
        return new Reply(204, null);
      },
    }),
    route({
      method: "POST",
      path: "/api/plans/:id/pause",
      access: "operator",
      body: PausePlanSchema,
      handle: async ({ param, body, principal, ip }) => ({
        pause: await schedules.pausePlan(actorOf(principal, ip), param("id"), body),
      }),
    }),
    route({
      method: "GET",
      path: "/api/hosts/:id/schedule-state",
      access: "viewer",
      handle: async ({ param }) => ({ state: await schedules.hostState(param("id")) }),
    }),
  ];
}

/** Writes elsewhere that can change a host's schedule document (the push reconciles soon). */
const AFFECTS_SCHEDULES = /^\/api\/(plans|repositories|ssh-keys|hosts)(\/|$)/;

/** Wraps other domains' write routes so a successful write marks the schedule push dirty. */
export function withSchedulePush(routes: Route[], push: () => SchedulePush | undefined): Route[] {
  return routes.map((r) =>
    r.method === "GET" || !AFFECTS_SCHEDULES.test(r.path) ? r : {
      ...r,
      async handle(input) {
        const out = await r.handle(input);
        push()?.markDirty();
        return out;
      },
    }
  );
}
