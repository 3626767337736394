import { Notice } from "../../components/Notice.tsx";
import type { Loaded } from "../../components/use_load.ts";
import { errorMessage } from "./use_action.ts";

/** The loading line or the error of a screen's data, with a way to try again. */
export function LoadState<T>({ loaded, what }: { loaded: Loaded<T>; what: string }) {
  if (loaded.error) {
    return (
      <Notice kind="error">
        <p>Could not load {what}: {errorMessage(loaded.error)}</p>
        <button type="button" class="btn btn--small" onClick={() => loaded.reload()}>
          Try again
        </button>
      </Notice>
    );
  }
  if (loaded.loading && loaded.data === null) {
    return <p class="loading" aria-busy="true">Loading {what}…</p>;
  }
  return null;
}
