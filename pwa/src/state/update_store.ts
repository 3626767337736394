import { signal } from "@preact/signals";

/**
 * "A new version is ready": set by the service-worker registration when an update is waiting;
 * apply() tells the waiting worker to take over, then the page reloads into the new version.
 */
export function createUpdateStore() {
  const ready = signal(false);
  let activate: (() => void) | null = null;
  return {
    ready,
    offer(applyUpdate: () => void) {
      activate = applyUpdate;
      ready.value = true;
    },
    apply() {
      activate?.();
    },
    dismiss() {
      ready.value = false;
    },
  };
}

export type UpdateStore = ReturnType<typeof createUpdateStore>;
