/**
 * Who is signed in, and which gate the app is at: loading, first-run setup, sign-in, or ready.
 * The "me" view is cached on the device so that the app still knows its user offline.
 */
import { computed, signal } from "@preact/signals";
import type { MeView, Role } from "../../../server/contract/api.ts";
import type { CairnApi, Credentials } from "../api/cairn_api.ts";
import { ApiError } from "../api/client.ts";
import type { LocalCache } from "./local_cache.ts";

export type Phase = "loading" | "setup" | "login" | "ready";

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };
const ME_KEY = "me";

export function roleAllows(role: Role | undefined, needed: Role): boolean {
  return role !== undefined && RANK[role] >= RANK[needed];
}

export function createSessionStore(
  deps: { api: CairnApi; cache: LocalCache; now?: () => number },
) {
  const { api, cache } = deps;
  const now = deps.now ?? Date.now;
  const phase = signal<Phase>("loading");
  const me = signal<MeView | null>(null);
  /** Set when the app started from the device's cache because the appliance was unreachable. */
  const offline = signal(false);
  const role = computed(() => me.value?.user.role);

  const signedIn = async (view: MeView) => {
    me.value = view;
    offline.value = false;
    phase.value = "ready";
    await cache.write(ME_KEY, view, now());
  };

  const startFromCache = async (): Promise<boolean> => {
    const cached = await cache.read<MeView>(ME_KEY);
    if (!cached) return false;
    me.value = cached.value;
    api.client.setCsrfToken(cached.value.csrfToken);
    offline.value = true;
    phase.value = "ready";
    return true;
  };

  return {
    phase,
    me,
    role,
    offline,
    can: (needed: Role) => roleAllows(role.value, needed),

    /** Finds out where to start: setup, sign-in, or straight in with the current session. */
    async start(): Promise<void> {
      try {
        const state = await api.auth.state();
        if (state.setupRequired) {
          phase.value = "setup";
          return;
        }
        await signedIn(await api.auth.me());
      } catch (err) {
        if (err instanceof ApiError && err.offline && await startFromCache()) return;
        if (err instanceof ApiError && err.offline) offline.value = true;
        phase.value = "login";
      }
    },
    async setup(c: Credentials) {
      await signedIn(await api.auth.setup(c));
    },
    async login(c: Credentials) {
      await signedIn(await api.auth.login(c));
    },
    /** The appliance said 401 somewhere: the session is over. */
    expired() {
      if (phase.value !== "ready" || offline.value) return;
      me.value = null;
      phase.value = "login";
      void cache.remove(ME_KEY);
    },
    /** Back in reach after an offline start: confirm the session (or end it) with the appliance. */
    async recheck(): Promise<void> {
      try {
        await signedIn(await api.auth.me());
      } catch (err) {
        if (!(err instanceof ApiError) || err.offline) return;
        offline.value = false;
        if (err.status === 401) this.expired();
      }
    },
    async logout() {
      try {
        await api.auth.logout();
      } finally {
        // Signed out here even if the appliance could not be told: forget everything local.
        await cache.clearAll();
        api.client.setCsrfToken(null);
        me.value = null;
        phase.value = "login";
      }
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
