import { useMemo } from "preact/hooks";
import type { RestoreView } from "../../api/restore_api.ts";
import { formatTime } from "../../components/format.ts";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { createHostsApi } from "../hosts/hosts_api.ts";
import { STATUS_LABEL, statusBadge } from "../jobs/job_words.ts";
import { selectionWords, shortSnapshot, targetWords } from "./restore_words.ts";
import { useRestore } from "./use_restore.ts";

/** Restores of a snapshot or of a host: what, where, when, by whom, and how it ended. */
export function RestoreHistory(
  props: { hostId?: string; repositoryId?: string; snapshotId?: string },
) {
  const { api } = useRestore();
  const stores = useStores();
  const hostsApi = useMemo(() => createHostsApi(stores.api.client), [stores.api]);
  const loaded = useLoad(async () => {
    const [restores, hosts] = await Promise.all([
      api.restores.list(props),
      hostsApi.list().then((l) => l.hosts).catch(() => []),
    ]);
    return { restores, names: new Map(hosts.map((h) => [h.id, h.name])) };
  });
  const d = loaded.data;
  return (
    <>
      <LoadState loaded={loaded} what="restores" />
      {d && d.restores.length === 0 && <p class="muted">No restores yet.</p>}
      {d && d.restores.length > 0 && (
        <ul class="plain-list restore-history">
          {d.restores.map((r) => (
            <HistoryItem
              key={r.job.id}
              r={r}
              hostName={(id) => d.names.get(id) ?? id}
              showSnapshot={!props.snapshotId}
            />
          ))}
        </ul>
      )}
    </>
  );
}

function HistoryItem(
  props: { r: RestoreView; hostName(id: string): string; showSnapshot: boolean },
) {
  const r = props.r;
  return (
    <li class="card restore-item">
      <p>
        <span class={statusBadge(r.job.status)}>{STATUS_LABEL[r.job.status]}</span>{" "}
        <a href={`/jobs/${encodeURIComponent(r.job.id)}`}>
          <time dateTime={r.at}>{formatTime(r.at)}</time>
        </a>{" "}
        by {r.by}
      </p>
      <p class="details">
        {selectionWords(r.paths)}
        {props.showSnapshot && ` from ${shortSnapshot(r.snapshotId)}`}
        {" — "}
        {targetWords(r.target, props.hostName)}, overwrite: {r.overwrite}
      </p>
    </li>
  );
}
