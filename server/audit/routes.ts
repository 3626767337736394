import { AuditQuerySchema } from "../contract/api.ts";
import { route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import { auditView } from "../http/views.ts";
import type { AuditService } from "./service.ts";

export function auditRoutes(audit: AuditService): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/audit",
      access: "admin",
      query: AuditQuerySchema,
      async handle({ query }) {
        const entries = await audit.list(query);
        return {
          entries: entries.map(auditView),
          next: entries.length === query.limit ? entries[entries.length - 1].id : null,
        };
      },
    }),
  ];
}
