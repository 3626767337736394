import { roleAllows } from "../auth/principal.ts";
import type { TokensService } from "../tokens/service.ts";
import { ForbiddenError, UnauthenticatedError } from "../errors.ts";
import { route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { MetricsService } from "./service.ts";
import { METRICS_CONTENT_TYPE } from "./service.ts";

/**
 * /metrics sits outside /api, where the appliance's Bearer check runs, and takes an API token
 * only: a scraper has no browser session, and a session cookie alone must not open it.
 */
export function metricsRoutes(deps: { metrics: MetricsService; tokens: TokensService }): Route[] {
  return [
    route({
      method: "GET",
      path: "/metrics",
      access: "public",
      async handle({ c }) {
        const m = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
        const principal = m ? await deps.tokens.resolveBearer(m[1]) : null;
        if (!principal) {
          c.header("www-authenticate", 'Bearer realm="cairn"');
          throw new UnauthenticatedError("/metrics needs an API token: Authorization: Bearer …");
        }
        if (!roleAllows(principal.role, "viewer")) throw new ForbiddenError();
        return new Response(await deps.metrics.render(), {
          headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" },
        });
      },
    }),
  ];
}
