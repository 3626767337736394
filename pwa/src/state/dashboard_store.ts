/**
 * The dashboard's figures. Each refresh that reaches the appliance is written to the device's
 * cache; when the appliance cannot be reached, the last saved view is shown with its time, so a
 * phone on the train still opens to the fleet as it was.
 */
import { signal } from "@preact/signals";
import type { DashboardView } from "../../../server/contract/api.ts";
import type { CairnApi } from "../api/cairn_api.ts";
import { ApiError } from "../api/client.ts";
import type { LocalCache } from "./local_cache.ts";

const KEY = "dashboard";

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
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        if (err.offline) {
          offline.value = true;
          if (view.value === null) await showCached();
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
    },
  };
}

export type DashboardStore = ReturnType<typeof createDashboardStore>;
