import { useEffect, useState } from "preact/hooks";
import { createReplicationApi } from "../../api/replication_api.ts";
import type { ReplicationStatusView } from "../../../../server/contract/replication.ts";
import { useStores } from "../../state/stores.ts";

const EVERY_MS = 10_000;

type Shown =
  | { kind: "none" }
  | { kind: "standby"; primary: string }
  | { kind: "paused"; silentMs: number | null };

function shownFor(s: ReplicationStatusView): Shown {
  if (s.role === "standby") return { kind: "standby", primary: s.primaryUrl ?? "" };
  if (s.lease.writesPaused) return { kind: "paused", silentMs: s.lease.standbySilentMs };
  return { kind: "none" };
}

/**
 * Across every page of a standby: it is read-only, and where the primary is; across every page of
 * a primary whose standby stopped answering: writes are paused, and why. Looked at when the frame
 * opens, on every page change and every 10 s (a fenced primary becomes a standby).
 */
export function StandbyBanner() {
  const { api, router } = useStores();
  const [shown, setShown] = useState<Shown>({ kind: "none" });
  const path = router.path.value;
  useEffect(() => {
    let live = true;
    const rep = createReplicationApi(api.client);
    const look = () =>
      rep.status()
        .then((s) => live && setShown(shownFor(s)))
        .catch(() => {}); // offline or not allowed: the banner stays as it was
    look();
    const t = setInterval(look, EVERY_MS);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [path]);
  if (shown.kind === "none") return null;
  if (shown.kind === "paused") return <PausedBanner silentMs={shown.silentMs} />;
  const primary = shown.primary;
  return (
    <div class="notice notice--warning" role="status" data-testid="standby-banner">
      <p>
        This appliance is a read-only standby; the primary is{" "}
        {primary ? <a href={primary}>{primary}</a> : "unknown"}.
      </p>
    </div>
  );
}

function PausedBanner({ silentMs }: { silentMs: number | null }) {
  const since = silentMs === null ? "" : ` for ${Math.max(1, Math.round(silentMs / 1000))} s`;
  return (
    <div class="notice notice--error" role="alert" data-testid="writes-paused-banner">
      <p>
        <strong>Writes are paused.</strong>{" "}
        The standby has not answered{since}, so it may have been promoted; this appliance accepts no
        changes until it answers again. Agents keep their reports until then. If the standby is gone
        for good, an admin can <a href="/settings#standby-title">continue without the standby</a>
        {" "}
        in Settings.
      </p>
    </div>
  );
}
