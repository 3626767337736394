/** The restore API and store, made once per app on first use of a restore screen. */
import { createRestoreApi } from "../../api/restore_api.ts";
import type { RestoreApi } from "../../api/restore_api.ts";
import { createRestoreStore } from "../../state/restore_store.ts";
import type { RestoreStore } from "../../state/restore_store.ts";
import { useStores } from "../../state/stores.ts";

const made = new WeakMap<object, { api: RestoreApi; store: RestoreStore }>();

export function useRestore(): { api: RestoreApi; store: RestoreStore } {
  const { api } = useStores();
  let r = made.get(api.client);
  if (!r) {
    const restoreApi = createRestoreApi(api.client);
    r = { api: restoreApi, store: createRestoreStore(restoreApi) };
    made.set(api.client, r);
  }
  return r;
}
