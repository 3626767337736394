import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { ChangePasswordSchema, CredentialsSchema } from "../contract/api.ts";
import type { MeView } from "../contract/api.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import { userView } from "../http/views.ts";
import type { UsersService } from "../users/service.ts";
import { actorOf } from "./principal.ts";
import type { AuthService, IssuedSession } from "./service.ts";

export const SESSION_COOKIE = "cairn_session";

export function authRoutes(
  deps: { auth: AuthService; users: UsersService; isSecure(c: Context): boolean },
): Route[] {
  const signIn = (
    c: Context,
    user: Parameters<typeof userView>[0],
    session: IssuedSession,
  ): MeView => {
    setCookie(c, SESSION_COOKIE, session.cookieValue, {
      httpOnly: true,
      sameSite: "Strict",
      secure: deps.isSecure(c),
      path: "/",
      expires: new Date(session.expiresAt),
    });
    return { user: userView(user), csrfToken: session.csrfToken, via: "session" };
  };

  return [
    route({
      method: "GET",
      path: "/api/auth/state",
      access: "public",
      handle: async () => ({ setupRequired: await deps.auth.setupRequired() }),
    }),
    route({
      method: "POST",
      path: "/api/auth/setup",
      access: "public",
      body: CredentialsSchema,
      async handle({ body, ip, c }) {
        const { user, session } = await deps.auth.setup(body, ip, c.req.header("user-agent") ?? "");
        return new Reply(201, signIn(c, user, session));
      },
    }),
    route({
      method: "POST",
      path: "/api/auth/login",
      access: "public",
      body: CredentialsSchema,
      async handle({ body, ip, c }) {
        const { user, session } = await deps.auth.login(body, ip, c.req.header("user-agent") ?? "");
        return signIn(c, user, session);
      },
    }),
    route({
      method: "POST",
      path: "/api/auth/logout",
      access: "viewer",
      async handle({ principal, ip, c }) {
        await deps.auth.logout(principal!, ip);
        deleteCookie(c, SESSION_COOKIE, {
          path: "/",
          secure: deps.isSecure(c),
          httpOnly: true,
          sameSite: "Strict",
        });
        return new Reply(204, null);
      },
    }),
    route({
      method: "GET",
      path: "/api/auth/me",
      access: "viewer",
      async handle({ principal }): Promise<MeView> {
        const p = principal!;
        const user = await deps.users.get(p.userId);
        return {
          user: p.kind === "token" ? { ...userView(user), role: p.role } : userView(user),
          csrfToken: p.csrfToken ?? null,
          via: p.kind,
        };
      },
    }),
    route({
      method: "POST",
      path: "/api/auth/password",
      access: "viewer",
      body: ChangePasswordSchema,
      async handle({ body, principal, ip }) {
        await deps.auth.changeOwnPassword(principal!, body, actorOf(principal, ip));
        return new Reply(204, null);
      },
    }),
  ];
}
