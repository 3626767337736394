import { actorOf } from "../auth/principal.ts";
import { CreatePlanSchema, PlansQuerySchema, UpdatePlanSchema } from "../contract/backups.ts";
import { UnauthenticatedError } from "../errors.ts";
import type { Principal } from "../auth/principal.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { PlansService } from "./service.ts";

/** The wrapper has checked the role already; hooks need to know which one it is. */
function roleOf(p: Principal | null) {
  if (!p) throw new UnauthenticatedError();
  return p.role;
}

export function plansRoutes(plans: PlansService): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/plans",
      access: "viewer",
      query: PlansQuerySchema,
      handle: async ({ query }) => ({ plans: await plans.list(query) }),
    }),
    route({
      method: "POST",
      path: "/api/plans",
      access: "operator",
      body: CreatePlanSchema,
      handle: async ({ body, principal, ip }) =>
        new Reply(201, {
          plan: await plans.create(actorOf(principal, ip), roleOf(principal), body),
        }),
    }),
    route({
      method: "GET",
      path: "/api/plans/:id",
      access: "viewer",
      handle: async ({ param }) => ({ plan: await plans.get(param("id")) }),
    }),
    route({
      method: "GET",
      path: "/api/plans/:id/preview",
      access: "viewer",
      query: PlansQuerySchema,
      handle: ({ param, query }) => plans.preview(param("id"), query.hostId),
    }),
    route({
      method: "PATCH",
      path: "/api/plans/:id",
      access: "operator",
      body: UpdatePlanSchema,
      handle: async ({ param, body, principal, ip }) => ({
        plan: await plans.update(actorOf(principal, ip), roleOf(principal), param("id"), body),
      }),
    }),
    route({
      method: "DELETE",
      path: "/api/plans/:id",
      access: "operator",
      async handle({ param, principal, ip }) {
        await plans.remove(actorOf(principal, ip), param("id"));
        return new Reply(204, null);
      },
    }),
  ];
}
