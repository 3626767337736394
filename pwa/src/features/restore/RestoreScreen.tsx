/**
 * Where a restore starts: find a file by name, glob or path, or pick a host and one of its
 * snapshots to browse. The host is kept in the address, so a phone's Back returns here as left.
 */
import { useMemo } from "preact/hooks";
import type { SnapshotView } from "../../../../server/contract/backups.ts";
import { createBackupsApi } from "../../api/backups_api.ts";
import { formatBytes, formatTime } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import type { ScreenProps } from "../../state/router_store.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { createHostsApi } from "../hosts/hosts_api.ts";
import { RestoreHistory } from "./RestoreHistory.tsx";
import { shortSnapshot, snapshotHref } from "./restore_words.ts";
import { SearchPanel } from "./SearchPanel.tsx";
import { useRestore } from "./use_restore.ts";

export default function RestoreScreen(_: ScreenProps) {
  const { api: stores, router, session } = useStores();
  const hostsApi = useMemo(() => createHostsApi(stores.client), [stores]);
  const hosts = useLoad(async () =>
    (await hostsApi.list()).hosts.filter((h) => h.enrollment === "approved")
  );
  const asked = new URLSearchParams(router.search.value).get("hostId");
  const hostId = asked ?? (session.can("admin") ? null : hosts.data?.[0]?.id ?? null);
  const pick = (id: string) =>
    router.navigate(id ? `/restore?hostId=${encodeURIComponent(id)}` : "/restore", {
      replace: true,
    });
  return (
    <section>
      <PageHeader title="Restore" lead="Find a file, or browse a snapshot of a host." />
      <LoadState loaded={hosts} what="hosts" />
      {hosts.data && (
        <label class="field host-pick">
          <span>Host</span>
          <select value={hostId ?? ""} onChange={(e) => pick(e.currentTarget.value)}>
            {session.can("admin") && <option value="">All hosts</option>}
            {hosts.data.map((h) => <option key={h.id} value={h.id}>{h.name}</option>)}
          </select>
        </label>
      )}
      <SearchPanel key={hostId ?? "fleet"} hostId={hostId} />
      {hostId && <HostSnapshots key={hostId} hostId={hostId} />}
      {hostId && (
        <>
          <h2 class="section-title">Restores on this host</h2>
          <RestoreHistory key={hostId} hostId={hostId} />
        </>
      )}
    </section>
  );
}

/** The host's snapshots, newest first, with whether each is indexed (browsable at once). */
export function HostSnapshots({ hostId }: { hostId: string }) {
  const { api } = useStores();
  const { api: restore } = useRestore();
  const loaded = useLoad(async () => {
    const [snapshots, indexed] = await Promise.all([
      createBackupsApi(api.client).snapshots({ hostId }),
      restore.indexed({ hostId }).catch(() => []),
    ]);
    // The index may name a snapshot by its full or its short id: either prefix matches.
    const isIndexed = (s: SnapshotView) =>
      indexed.some((i) =>
        i.repositoryId === s.repositoryId &&
        (i.snapshotId.startsWith(s.shortId) || s.id.startsWith(i.snapshotId))
      );
    return [...snapshots].sort((a, b) => b.time.localeCompare(a.time))
      .map((s) => ({ s, indexed: isIndexed(s) }));
  });
  return (
    <section aria-labelledby="snaps-title">
      <h2 id="snaps-title" class="section-title">Snapshots</h2>
      <LoadState loaded={loaded} what="snapshots" />
      {loaded.data && loaded.data.length === 0 && <p class="muted">No snapshots yet.</p>}
      <ul class="plain-list snapshot-cards">
        {loaded.data?.map(({ s, indexed }) => {
          const ref = { hostId, repositoryId: s.repositoryId, snapshotId: s.id };
          return (
            <li key={`${s.repositoryId}/${s.id}`} class="card snapshot-card">
              <p>
                <strong>{formatTime(s.time)}</strong> <code>{shortSnapshot(s.shortId)}</code>
                {!indexed && <span class="badge badge--words">not indexed</span>}
              </p>
              <p class="muted details">
                {s.paths.join(", ")}
                {s.sizeBytes !== null && ` · ${formatBytes(s.sizeBytes)}`}
              </p>
              <p class="button-row">
                <a class="btn btn--small" href={snapshotHref(ref)}>Browse</a>
                <a class="btn btn--small" href={`${snapshotHref(ref)}/restore`}>Restore…</a>
              </p>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
