/**
 * The schedules endpoints (issue 5), typed by the server's contract, over the PWA's one
 * ApiClient: a plan's schedules, their preview, pausing a plan, and a host's schedule version.
 * Made on demand by the plan and host screens, so none of it weighs on the dashboard.
 */
import type {
  CreateSchedule,
  HostScheduleState,
  PausePlan,
  SchedulePreview,
  ScheduleRule,
  ScheduleView,
  UpdateSchedule,
} from "../../../server/contract/schedules.ts";
import type { ApiClient } from "./client.ts";
import { listOf, unwrap } from "./envelope.ts";

const enc = encodeURIComponent;

export function createSchedulesApi(client: ApiClient) {
  const one = (id: string) => `/api/schedules/${enc(id)}`;
  return {
    list: async (q: { planId?: string; hostId?: string } = {}) =>
      listOf<ScheduleView>(await client.get<unknown>("/api/schedules", q)),
    create: async (body: CreateSchedule) =>
      unwrap<ScheduleView>(await client.send<unknown>("POST", "/api/schedules", body), "schedule"),
    update: async (id: string, body: UpdateSchedule) =>
      unwrap<ScheduleView>(await client.send<unknown>("PATCH", one(id), body), "schedule"),
    remove: (id: string) => client.send<void>("DELETE", one(id)),
    preview: (body: { rule: ScheduleRule; timeZone: string; count?: number }) =>
      client.send<SchedulePreview>("POST", "/api/schedules/preview", body),
    pausePlan: (planId: string, body: PausePlan) =>
      client.send<unknown>("POST", `/api/plans/${enc(planId)}/pause`, body),
    hostState: async (hostId: string) =>
      unwrap<HostScheduleState>(
        await client.get<unknown>(`/api/hosts/${enc(hostId)}/schedule-state`),
        "state",
      ),
  };
}

export type SchedulesApi = ReturnType<typeof createSchedulesApi>;
