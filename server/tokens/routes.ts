import { CreateTokenSchema } from "../contract/api.ts";
import { actorOf } from "../auth/principal.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import { tokenView } from "../http/views.ts";
import type { TokensService } from "./service.ts";

export function tokensRoutes(tokens: TokensService): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/tokens",
      access: "admin",
      handle: async () => ({ tokens: (await tokens.list()).map(tokenView) }),
    }),
    route({
      method: "POST",
      path: "/api/tokens",
      access: "admin",
      body: CreateTokenSchema,
      async handle({ body, principal, ip }) {
        const { token, secret } = await tokens.create({
          ...actorOf(principal, ip),
          userId: principal!.userId,
          role: principal!.role,
        }, body);
        return new Reply(201, { token: tokenView(token), secret });
      },
    }),
    route({
      method: "DELETE",
      path: "/api/tokens/:id",
      access: "admin",
      async handle({ principal, ip, param }) {
        await tokens.revoke(actorOf(principal, ip), param("id"));
        return new Reply(204, null);
      },
    }),
  ];
}
