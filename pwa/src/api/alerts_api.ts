/**
 * The alerts endpoints (issue 5), typed by the server's contract, over the PWA's one ApiClient:
 * the alert list and history, acknowledging, the rules' settings, and a host's "always online"
 * flag. Small on purpose: the shell loads it for the open-alert count in the navigation.
 */
import type {
  AlertRule,
  AlertSeverity,
  AlertState,
  AlertView,
} from "../../../server/contract/alerts.ts";
import type { ApiClient } from "./client.ts";
import { listOf, unwrap } from "./schedules_api.ts";

export interface AlertsFilter {
  state?: AlertState;
  severity?: AlertSeverity;
  rule?: AlertRule;
  hostId?: string;
}

/**
 * One rule's settings as the appliance keeps them: on or off, the severity its alerts get, and
 * its figures (failures in a row, minutes offline, hours a lock may be held, percent of change).
 */
export interface AlertRuleSettings {
  rule: AlertRule;
  enabled: boolean;
  severity: AlertSeverity;
  /** Named figures of the rule ("count", "minutes", "hours", "percent"…), whole numbers. */
  params: Record<string, number>;
}

export type UpdateAlertRule = Partial<Omit<AlertRuleSettings, "rule">>;

const enc = encodeURIComponent;

export function createAlertsApi(client: ApiClient) {
  const one = (id: string) => `/api/alerts/${enc(id)}`;
  return {
    list: async (filter: AlertsFilter = {}) =>
      listOf<AlertView>(await client.get<unknown>("/api/alerts", { ...filter })),
    get: async (id: string) => unwrap<AlertView>(await client.get<unknown>(one(id)), "alert"),
    acknowledge: async (id: string) =>
      unwrap<AlertView>(await client.send<unknown>("POST", `${one(id)}/acknowledge`, {}), "alert"),
    rules: {
      list: async () => listOf<AlertRuleSettings>(await client.get<unknown>("/api/alert-rules")),
      update: async (rule: AlertRule, body: UpdateAlertRule) =>
        unwrap<AlertRuleSettings>(
          await client.send<unknown>("PATCH", `/api/alert-rules/${enc(rule)}`, body),
          "rule",
        ),
    },
    setAlwaysOnline: (hostId: string, alwaysOnline: boolean) =>
      client.send<unknown>("PUT", `/api/hosts/${enc(hostId)}/always-online`, { alwaysOnline }),
  };
}

export type AlertsApi = ReturnType<typeof createAlertsApi>;
