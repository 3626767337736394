/**
 * The dashboard's figures. Each refresh that reaches the appliance is written to the device's
 * cache; when the appliance cannot be reached, the last saved view is shown with its time, so a
 * phone on the train still opens to the fleet as it was.
 */
import { signal } from "@preact/signals";
import type { AlertListView } from "../../../server/contract/alerts.ts";
import type { DashboardView } from "../../../server/contract/api.ts";
import { createAlertsApi } from "../api/alerts_api.ts";
import type { CairnApi } from "../api/cairn_api.ts";
import { ApiError } from "../api/client.ts";
import type { LocalCache } from "./local_cache.ts";

const KEY = "dashboard";
const ATTENTION_KEY = "attention";

export function createDashboardStore(
  deps: { api: CairnApi; cache: LocalCache; now?: () => number },
) {
  const now = deps.now ?? Date.now;
  const view = signal<DashboardView | null>(null);
  /** When `view` last came from the appliance, Unix ms. */
  const syncedAt = signal<number | null>(null);
  const offline = signal(false);
  const error = signal<string | null>(null);
  const loading = signal(false);
  /** Open and acknowledged alerts (critical first) with their counts; null until known. */
  const attention = signal<AlertListView | null>(null);

  async function refreshAttention(at: number): Promise<void> {
    try {
      const list = await createAlertsApi(deps.api.client).list({ state: "active", limit: 50 });
      attention.value = list;
      await deps.cache.write(ATTENTION_KEY, list, at);
    } catch (err) {
      // Alerts add to the dashboard; its figures stand without them (an appliance without
      // the alert engine, a role that may not read them, or the network gone again).
      if (attention.value === null) {
        attention.value = (await deps.cache.read<AlertListView>(ATTENTION_KEY))?.value ?? null;
      }
      if (!(err instanceof ApiError)) throw err;
    }
  }

  async function showCached(): Promise<boolean> {
    const cached = await deps.cache.read<DashboardView>(KEY);
    if (!cached) return false;
    view.value = cached.value;
    syncedAt.value = cached.savedAt;
    return true;
  }

  return {
    view,
    syncedAt,
    offline,
    error,
    loading,
    attention,
    async refresh(): Promise<void> {
      loading.value = true;
      try {
        const fresh = await deps.api.dashboard();
        const at = now();
        view.value = fresh;
        syncedAt.value = at;
        offline.value = false;
        error.value = null;
        await deps.cache.write(KEY, fresh, at);
        await refreshAttention(at);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        if (err.offline) {
          offline.value = true;
          if (view.value === null) await showCached();
          if (attention.value === null) {
            attention.value = (await deps.cache.read<AlertListView>(ATTENTION_KEY))?.value ?? null;
          }
          error.value = view.value === null ? err.message : null;
        } else {
          error.value = err.message;
        }
      } finally {
        loading.value = false;
      }
    },
    reset() {
      view.value = null;
      syncedAt.value = null;
      offline.value = false;
      error.value = null;
      attention.value = null;
    },
  };
}

export type DashboardStore = ReturnType<typeof createDashboardStore>;
