/** The appliance's browser API, one typed method per endpoint, over the one ApiClient. */
import type {
  AuditEntryView,
  AuthStateView,
  DashboardView,
  MeView,
  Role,
  SettingsView,
  TokenView,
  UserView,
} from "../../../server/contract/api.ts";
import type { ApiClient } from "./client.ts";

export interface Credentials {
  username: string;
  password: string;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  /** ISO 8601 times. */
  from?: string;
  to?: string;
  before?: string;
  limit?: number;
}

export interface AuditPage {
  entries: AuditEntryView[];
  next: string | null;
}

export function createCairnApi(client: ApiClient) {
  const rememberCsrf = (me: MeView): MeView => {
    client.setCsrfToken(me.csrfToken);
    return me;
  };
  return {
    client,
    auth: {
      state: () => client.get<AuthStateView>("/api/auth/state"),
      setup: async (c: Credentials) =>
        rememberCsrf(await client.send<MeView>("POST", "/api/auth/setup", c)),
      login: async (c: Credentials) =>
        rememberCsrf(await client.send<MeView>("POST", "/api/auth/login", c)),
      me: async () => rememberCsrf(await client.get<MeView>("/api/auth/me")),
      async logout(): Promise<void> {
        await client.send<void>("POST", "/api/auth/logout");
        client.setCsrfToken(null);
      },
      changePassword: (body: { currentPassword: string; newPassword: string }) =>
        client.send<void>("POST", "/api/auth/password", body),
    },
    dashboard: () => client.get<DashboardView>("/api/dashboard"),
    users: {
      list: () => client.get<{ users: UserView[] }>("/api/users"),
      create: (body: Credentials & { role: Role }) =>
        client.send<UserView>("POST", "/api/users", body),
      update: (id: string, body: { role?: Role; disabled?: boolean }) =>
        client.send<UserView>("PATCH", `/api/users/${encodeURIComponent(id)}`, body),
      resetPassword: (id: string, password: string) =>
        client.send<void>("POST", `/api/users/${encodeURIComponent(id)}/password`, { password }),
    },
    tokens: {
      list: () => client.get<{ tokens: TokenView[] }>("/api/tokens"),
      create: (body: { name: string; role: Role }) =>
        client.send<{ token: TokenView; secret: string }>("POST", "/api/tokens", body),
      revoke: (id: string) => client.send<void>("DELETE", `/api/tokens/${encodeURIComponent(id)}`),
    },
    audit: (filter: AuditFilter) =>
      client.get<AuditPage>("/api/audit", { ...filter } as Record<string, string | number>),
    settings: {
      get: () => client.get<SettingsView>("/api/settings"),
      update: (body: { applianceName?: string }) =>
        client.send<SettingsView>("PATCH", "/api/settings", body),
    },
  };
}

export type CairnApi = ReturnType<typeof createCairnApi>;
