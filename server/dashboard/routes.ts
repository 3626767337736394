import { route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { DashboardService } from "./service.ts";

export function dashboardRoutes(dashboard: DashboardService): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/dashboard",
      access: "viewer",
      handle: () => dashboard.view(),
    }),
  ];
}
