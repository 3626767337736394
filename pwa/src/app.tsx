import { useEffect } from "preact/hooks";
import { ErrorBoundary } from "./components/ErrorBoundary.tsx";
import { Toasts } from "./components/Toasts.tsx";
import { UpdatePrompt } from "./components/UpdatePrompt.tsx";
import { LoginScreen } from "./features/auth/LoginScreen.tsx";
import { SetupScreen } from "./features/auth/SetupScreen.tsx";
import { AppShell } from "./features/shell/AppShell.tsx";
import { StoreContext, useStores } from "./state/stores.ts";
import type { Stores } from "./state/stores.ts";

/** ErrorBoundary > store context > the gate (setup, sign-in, or the app with its router). */
export function App({ stores }: { stores: Stores }) {
  return (
    <ErrorBoundary>
      <StoreContext.Provider value={stores}>
        <Gate />
        <Overlays />
      </StoreContext.Provider>
    </ErrorBoundary>
  );
}

function Gate() {
  const { session, router } = useStores();
  useEffect(() => router.start(), []);
  switch (session.phase.value) {
    case "loading":
      return (
        <main id="main" class="splash" aria-busy="true">
          <p>Loading Cairn…</p>
        </main>
      );
    case "setup":
      return <SetupScreen />;
    case "login":
      return <LoginScreen />;
    case "ready":
      return <AppShell />;
  }
}

function Overlays() {
  const { toasts, update } = useStores();
  return (
    <>
      {update.ready.value && <UpdatePrompt onReload={update.apply} onLater={update.dismiss} />}
      <Toasts toasts={toasts.toasts.value} onDismiss={toasts.dismiss} />
    </>
  );
}
