/** The host page's Snapshots tab: its snapshots with Browse and Restore, and its restores. */
import { Notice } from "../../components/Notice.tsx";
import { RestoreHistory } from "./RestoreHistory.tsx";
import { HostSnapshots } from "./RestoreScreen.tsx";

export default function HostRestoreTab({ hostId }: { hostId: string }) {
  return (
    <>
      <Notice kind="info">
        <p>
          Looking for one file?{" "}
          <a href={`/restore?hostId=${encodeURIComponent(hostId)}`}>
            Search this host's snapshots
          </a>.
        </p>
      </Notice>
      <HostSnapshots hostId={hostId} />
      <h2 class="section-title">Restores on this host</h2>
      <RestoreHistory hostId={hostId} />
    </>
  );
}
