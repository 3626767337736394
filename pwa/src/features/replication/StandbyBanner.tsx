import { useEffect, useState } from "preact/hooks";
import { createReplicationApi } from "../../api/replication_api.ts";
import { useStores } from "../../state/stores.ts";

const EVERY_MS = 30_000;

/**
 * Across every page of a standby: it is read-only, and where the primary is. Looked at when
 * the frame opens, on every page change and every 30 s (a fenced primary becomes a standby).
 */
export function StandbyBanner() {
  const { api, router } = useStores();
  const [primary, setPrimary] = useState<string | false>(false);
  const path = router.path.value;
  useEffect(() => {
    let live = true;
    const rep = createReplicationApi(api.client);
    const look = () =>
      rep.status()
        .then((s) => live && setPrimary(s.role === "standby" ? s.primaryUrl ?? "" : false))
        .catch(() => {}); // offline or not allowed: the banner stays as it was
    look();
    const t = setInterval(look, EVERY_MS);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [path]);
  if (primary === false) return null;
  return (
    <div class="notice notice--warning" role="status" data-testid="standby-banner">
      <p>
        This appliance is a read-only standby; the primary is{" "}
        {primary ? <a href={primary}>{primary}</a> : "unknown"}.
      </p>
    </div>
  );
}
