/** The hosts endpoints, typed by the server's contract, over the PWA's one ApiClient. */
import type {
  ApproveHost,
  CommandQueuedView,
  CreatedEnrollmentTokenView,
  CreateEnrollmentToken,
  HostDetailView,
  HostsListView,
  HostView,
  UpdateHost,
} from "../../../../server/contract/hosts.ts";
import type { ApiClient } from "../../api/client.ts";

export function createHostsApi(client: ApiClient) {
  const one = (id: string) => `/api/hosts/${encodeURIComponent(id)}`;
  return {
    list: () => client.get<HostsListView>("/api/hosts"),
    get: async (id: string) => (await client.get<{ host: HostDetailView }>(one(id))).host,
    approve: async (id: string, body: ApproveHost) =>
      (await client.send<{ host: HostView }>("POST", `${one(id)}/approve`, body)).host,
    reject: async (id: string) =>
      (await client.send<{ host: HostView }>("POST", `${one(id)}/reject`)).host,
    revoke: async (id: string) =>
      (await client.send<{ host: HostView }>("POST", `${one(id)}/revoke`)).host,
    update: async (id: string, body: UpdateHost) =>
      (await client.send<{ host: HostView }>("PATCH", one(id), body)).host,
    ping: (id: string) => client.send<CommandQueuedView>("POST", `${one(id)}/ping`, {}),
    addHost: (body: CreateEnrollmentToken) =>
      client.send<CreatedEnrollmentTokenView>("POST", "/api/enrollment-tokens", body),
  };
}

export type HostsApi = ReturnType<typeof createHostsApi>;
