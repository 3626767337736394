/** The drill schedule endpoints, typed by the server's contract, over the PWA's one ApiClient. */
import type {
  CreateDrillSchedule,
  DrillSchedulesListView,
  DrillScheduleView,
  UpdateDrillSchedule,
} from "../../../../server/contract/drills.ts";
import type { ApiClient } from "../../api/client.ts";

export function createDrillSchedulesApi(client: ApiClient) {
  const one = (id: string) => `/api/drill-schedules/${encodeURIComponent(id)}`;
  return {
    list: async (q: { hostId?: string; planId?: string }) =>
      (await client.get<DrillSchedulesListView>("/api/drill-schedules", q)).schedules,
    create: async (body: CreateDrillSchedule) =>
      (await client.send<{ schedule: DrillScheduleView }>("POST", "/api/drill-schedules", body))
        .schedule,
    update: async (id: string, body: UpdateDrillSchedule) =>
      (await client.send<{ schedule: DrillScheduleView }>("PATCH", one(id), body)).schedule,
    remove: (id: string) => client.send<void>("DELETE", one(id)),
  };
}

export type DrillSchedulesApi = ReturnType<typeof createDrillSchedulesApi>;
