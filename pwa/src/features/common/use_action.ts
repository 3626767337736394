import { useState } from "preact/hooks";
import { ApiError } from "../../api/client.ts";
import { useStores } from "../../state/stores.ts";

/** Plain words for an error from the appliance (or from the network) to show to the user. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return `Something went wrong: ${err instanceof Error ? err.message : String(err)}`;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false };

/**
 * Runs a write and reports it: a toast on success, the appliance's own message on failure.
 * `busy` lets the screen disable its buttons while the write is in flight.
 */
export function useAction() {
  const { toasts } = useStores();
  const [busy, setBusy] = useState(false);
  async function run<T>(work: () => Promise<T>, done?: string): Promise<Outcome<T>> {
    setBusy(true);
    try {
      const value = await work();
      if (done) toasts.success(done);
      return { ok: true, value };
    } catch (err) {
      toasts.error(errorMessage(err));
      return { ok: false };
    } finally {
      setBusy(false);
    }
  }
  return { busy, run };
}
