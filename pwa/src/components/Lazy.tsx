import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";

type Loader<P> = () => Promise<{ default: ComponentType<P> }>;

/**
 * A screen loaded on first use (its own chunk), so admin screens cost nothing before the
 * dashboard renders. While the chunk loads, a quiet placeholder keeps the layout still.
 */
export function lazy<P extends object>(load: Loader<P>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  const fetchScreen = () => (pending ??= load().then((m) => (loaded = m.default)));
  return function LazyScreen(props: P) {
    const [Screen, setScreen] = useState<ComponentType<P> | null>(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (Screen) return;
      let live = true;
      fetchScreen().then(
        (s) => live && setScreen(() => s),
        () => {
          pending = null;
          if (live) setFailed(true);
        },
      );
      return () => {
        live = false;
      };
    }, [Screen]);
    if (Screen) return <Screen {...props} />;
    if (failed) {
      return (
        <p class="notice notice--error" role="alert">
          This screen could not be loaded. Check the connection to the appliance and reload.
        </p>
      );
    }
    return <p class="loading" aria-busy="true">Loading…</p>;
  };
}
