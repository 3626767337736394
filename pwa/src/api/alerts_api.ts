/**
 * The alerts endpoints (issue 5), typed by the server's contract, over the PWA's one ApiClient:
 * the alert list and history, acknowledging, the rules' settings, and a host's "always online"
 * flag. Small on purpose: the shell loads it for the open-alert count in the navigation.
 */
import type {
  AlertListView,
  AlertRule,
  AlertRuleView,
  AlertSeverity,
  AlertState,
  AlertView,
  UpdateAlertRule,
} from "../../../server/contract/alerts.ts";
import type { ApiClient } from "./client.ts";
import { listOf, unwrap } from "./envelope.ts";

export interface AlertsFilter {
  /** "active" = open or acknowledged. */
  state?: AlertState | "active";
  severity?: AlertSeverity;
  rule?: AlertRule;
  hostId?: string;
  before?: string;
  limit?: number;
}

const enc = encodeURIComponent;

export function createAlertsApi(client: ApiClient) {
  const one = (id: string) => `/api/alerts/${enc(id)}`;
  return {
    list: (filter: AlertsFilter = {}) => client.get<AlertListView>("/api/alerts", { ...filter }),
    get: async (id: string) => unwrap<AlertView>(await client.get<unknown>(one(id)), "alert"),
    acknowledge: async (id: string) =>
      unwrap<AlertView>(await client.send<unknown>("POST", `${one(id)}/acknowledge`, {}), "alert"),
    rules: {
      list: async () => listOf<AlertRuleView>(await client.get<unknown>("/api/alert-rules")),
      update: async (rule: AlertRule, body: UpdateAlertRule) =>
        unwrap<AlertRuleView>(
          await client.send<unknown>("PATCH", `/api/alert-rules/${enc(rule)}`, body),
          "rule",
        ),
    },
    setAlwaysOnline: (hostId: string, alwaysOnline: boolean) =>
      client.send<unknown>("PUT", `/api/hosts/${enc(hostId)}/always-online`, { alwaysOnline }),
  };
}

export type AlertsApi = ReturnType<typeof createAlertsApi>;
