/**
 * All stores of the app, made once in main.tsx and handed down through StoreContext. A feature
 * that needs a store of its own adds it here (a createXStore(api) factory in state/).
 */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { CairnApi } from "../api/cairn_api.ts";
import { createDashboardStore } from "./dashboard_store.ts";
import type { LocalCache } from "./local_cache.ts";
import { createRouterStore } from "./router_store.ts";
import { createSessionStore } from "./session_store.ts";
import { createThemeStore } from "./theme_store.ts";
import { createToastStore } from "./toast_store.ts";
import { createUpdateStore } from "./update_store.ts";

export function createStores(deps: { api: CairnApi; cache: LocalCache }) {
  return {
    api: deps.api,
    cache: deps.cache,
    session: createSessionStore(deps),
    dashboard: createDashboardStore(deps),
    router: createRouterStore(),
    theme: createThemeStore(),
    toasts: createToastStore(),
    update: createUpdateStore(),
  };
}

export type Stores = ReturnType<typeof createStores>;

export const StoreContext = createContext<Stores | null>(null);

export function useStores(): Stores {
  const stores = useContext(StoreContext);
  if (!stores) throw new Error("useStores() needs a StoreContext provider above it");
  return stores;
}
