import { CreateUserSchema, ResetPasswordSchema, UpdateUserSchema } from "../contract/api.ts";
import { actorOf } from "../auth/principal.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import { userView } from "../http/views.ts";
import type { UsersService } from "./service.ts";

export function usersRoutes(users: UsersService): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/users",
      access: "admin",
      handle: async () => ({ users: (await users.list()).map(userView) }),
    }),
    route({
      method: "POST",
      path: "/api/users",
      access: "admin",
      body: CreateUserSchema,
      handle: async ({ body, principal, ip }) =>
        new Reply(201, userView(await users.create(actorOf(principal, ip), body))),
    }),
    route({
      method: "PATCH",
      path: "/api/users/:id",
      access: "admin",
      body: UpdateUserSchema,
      handle: async ({ body, principal, ip, param }) =>
        userView(await users.update(actorOf(principal, ip), param("id"), body)),
    }),
    route({
      method: "POST",
      path: "/api/users/:id/password",
      access: "admin",
      body: ResetPasswordSchema,
      async handle({ body, principal, ip, param }) {
        await users.resetPassword(actorOf(principal, ip), param("id"), body.password);
        return new Reply(204, null);
      },
    }),
  ];
}
