import { actorOf } from "../auth/principal.ts";
import { CreateRepositorySchema, UpdateRepositorySchema } from "../contract/backups.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { RepositoriesService } from "./service.ts";

export function repositoriesRoutes(repositories: RepositoriesService): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/repositories",
      access: "viewer",
      handle: async () => ({ repositories: await repositories.list() }),
    }),
    route({
      method: "POST",
      path: "/api/repositories",
      access: "admin",
      body: CreateRepositorySchema,
      handle: async ({ body, principal, ip }) =>
        new Reply(201, await repositories.create(actorOf(principal, ip), body)),
    }),
    route({
      method: "GET",
      path: "/api/repositories/:id",
      access: "viewer",
      handle: async ({ param }) => ({ repository: await repositories.get(param("id")) }),
    }),
    route({
      method: "PATCH",
      path: "/api/repositories/:id",
      access: "admin",
      body: UpdateRepositorySchema,
      handle: async ({ param, body, principal, ip }) => ({
        repository: await repositories.update(actorOf(principal, ip), param("id"), body),
      }),
    }),
    route({
      method: "DELETE",
      path: "/api/repositories/:id",
      access: "admin",
      async handle({ param, principal, ip }) {
        await repositories.remove(actorOf(principal, ip), param("id"));
        return new Reply(204, null);
      },
    }),
  ];
}
