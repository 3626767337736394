import { formatAgo, formatTime } from "../../components/format.ts";
import { useStores } from "../../state/stores.ts";

/** "Offline — last synced …": says plainly that what is shown may be out of date. */
export function OfflineMark() {
  const { dashboard, session } = useStores();
  if (!dashboard.offline.value && !session.offline.value) return null;
  const at = dashboard.syncedAt.value;
  return (
    <p class="offline-mark" role="status">
      <span class="dot dot--warn" aria-hidden="true" />
      <span>
        <strong>Offline</strong> — {at === null ? "nothing synced on this device yet" : (
          <>
            last synced <time dateTime={new Date(at).toISOString()}>{formatTime(at)}</time>
            {` (${formatAgo(at)})`}
          </>
        )}
      </span>
    </p>
  );
}
