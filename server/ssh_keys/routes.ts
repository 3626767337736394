import { actorOf } from "../auth/principal.ts";
import { AuthorizedKeysQuerySchema, CreateSshKeySchema } from "../contract/backups.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { SshKeysService } from "./service.ts";

export function sshKeysRoutes(keys: SshKeysService): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/ssh-keys",
      access: "viewer",
      handle: async () => ({ keys: await keys.list() }),
    }),
    route({
      method: "POST",
      path: "/api/ssh-keys",
      access: "admin",
      body: CreateSshKeySchema,
      handle: async ({ body, principal, ip }) =>
        new Reply(201, { sshKey: await keys.create(actorOf(principal, ip), body) }),
    }),
    route({
      method: "GET",
      path: "/api/ssh-keys/:id",
      access: "viewer",
      handle: async ({ param }) => ({ sshKey: await keys.get(param("id")) }),
    }),
    route({
      method: "GET",
      path: "/api/ssh-keys/:id/authorized-keys",
      access: "viewer",
      query: AuthorizedKeysQuerySchema,
      handle: ({ param, query }) => keys.authorizedKeys(param("id"), query),
    }),
    route({
      method: "DELETE",
      path: "/api/ssh-keys/:id",
      access: "admin",
      async handle({ param, principal, ip }) {
        await keys.remove(actorOf(principal, ip), param("id"));
        return new Reply(204, null);
      },
    }),
  ];
}
