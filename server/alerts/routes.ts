import { actorOf } from "../auth/principal.ts";
import { EmptySchema } from "../contract/api.ts";
import {
  ALERT_RULE_PARAMS,
  ALERT_RULES,
  AlertsQuerySchema,
  UpdateAlertRuleSchema,
} from "../contract/alerts.ts";
import type { AlertRule } from "../contract/alerts.ts";
import { NotFoundError } from "../errors.ts";
import { route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import { parseOrThrow } from "../validation.ts";
import type { AlertsService } from "./service.ts";

const ALERT_ID = /^alr_[0-9a-z]{26}$/;

function alertId(raw: string): string {
  if (!ALERT_ID.test(raw)) throw new NotFoundError("Alert");
  return raw;
}

function ruleOf(raw: string): AlertRule {
  if (!(ALERT_RULES as ReadonlyArray<string>).includes(raw)) throw new NotFoundError("Alert rule");
  return raw as AlertRule;
}

export function alertsRoutes(alerts: AlertsService): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/alerts",
      access: "viewer",
      query: AlertsQuerySchema,
      handle: ({ query }) => alerts.list(query),
    }),
    route({
      method: "GET",
      path: "/api/alerts/:id",
      access: "viewer",
      handle: async ({ param }) => ({ alert: await alerts.get(alertId(param("id"))) }),
    }),
    route({
      method: "POST",
      path: "/api/alerts/:id/acknowledge",
      access: "operator",
      body: EmptySchema,
      handle: async ({ param, principal, ip }) => ({
        alert: await alerts.acknowledge(actorOf(principal, ip), alertId(param("id"))),
      }),
    }),
    route({
      method: "GET",
      path: "/api/alert-rules",
      access: "viewer",
      handle: async () => ({ rules: await alerts.rules() }),
    }),
    route({
      method: "PATCH",
      path: "/api/alert-rules/:rule",
      access: "admin",
      body: UpdateAlertRuleSchema,
      async handle({ param, body, principal, ip }) {
        const rule = ruleOf(param("rule"));
        const params = body.params === undefined
          ? undefined
          : parseOrThrow(ALERT_RULE_PARAMS[rule], body.params, "body.params") as Record<
            string,
            unknown
          >;
        return {
          rule: await alerts.updateRule(actorOf(principal, ip), rule, { ...body, params }),
        };
      },
    }),
  ];
}
