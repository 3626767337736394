/**
 * Registers the service worker through workbox-window. A new version waits (the worker is built
 * with skipWaiting off) until the user accepts the "Update available — reload" prompt; then the
 * waiting worker is told to take over and the page reloads once it controls the page.
 */
import { Workbox } from "workbox-window";
import type { UpdateStore } from "./state/update_store.ts";

export function registerServiceWorker(update: UpdateStore): void {
  if (!("serviceWorker" in navigator)) return;
  const wb = new Workbox("/sw.js", { scope: "/" });
  wb.addEventListener("waiting", () => {
    update.offer(() => {
      wb.addEventListener("controlling", () => location.reload());
      wb.messageSkipWaiting();
    });
  });
  wb.register().catch((err: unknown) => {
    // Not fatal: without a worker the app works online, only offline use is lost.
    console.warn("Cairn: service worker registration failed", err);
  });
}
