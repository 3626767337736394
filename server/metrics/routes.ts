import { route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { MetricsService } from "./service.ts";
import { METRICS_CONTENT_TYPE } from "./service.ts";

/**
 * /metrics takes an API token only (any role): a scraper has no browser session, and a session
 * cookie alone must not open it. The app's route wrapper enforces both from the table.
 */
export function metricsRoutes(deps: { metrics: MetricsService }): Route[] {
  return [
    route({
      method: "GET",
      path: "/metrics",
      access: "viewer",
      credentials: "token",
      async handle() {
        return new Response(await deps.metrics.render(), {
          headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" },
        });
      },
    }),
  ];
}
