/** Two snapshots of one repository compared from the index: added, removed and changed entries. */
import { useState } from "preact/hooks";
import type { DiffEntryView, DiffView } from "../../api/restore_api.ts";
import { formatBytes, formatTime } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import type { ScreenProps } from "../../state/router_store.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { parentPath, shortSnapshot, snapshotHref } from "./restore_words.ts";
import { useRestore } from "./use_restore.ts";

const CHANGE_WORD = { added: "Added", removed: "Removed", changed: "Changed" } as const;

export default function DiffScreen({ params }: ScreenProps) {
  const { api } = useRestore();
  const { router } = useStores();
  const s = {
    hostId: params.id,
    repositoryId: params.repo,
    snapshotId: shortSnapshot(params.snap),
  };
  const query = new URLSearchParams(router.search.value);
  const snaps = useLoad(() => api.indexed({ hostId: s.hostId, repositoryId: s.repositoryId }));
  const others = (snaps.data ?? []).filter((x) => !x.snapshotId.startsWith(s.snapshotId))
    .sort((a, b) => b.time.localeCompare(a.time));
  const [from, setFrom] = useState(query.get("from") ?? "");
  const chosen = from || others.find((o) => o.time <= (timeOf(snaps.data, s.snapshotId) ?? ""))
    ?.snapshotId ||
    others[0]?.snapshotId || "";
  return (
    <section>
      <PageHeader
        title="Compare snapshots"
        lead={<a href={snapshotHref(s)}>Back to snapshot {shortSnapshot(s.snapshotId)}</a>}
      />
      <LoadState loaded={snaps} what="indexed snapshots" />
      {snaps.data && others.length === 0 && (
        <p class="muted">No other indexed snapshot of this host in this repository to compare.</p>
      )}
      {others.length > 0 && (
        <label class="field">
          <span>Compare snapshot {shortSnapshot(s.snapshotId)} with</span>
          <select value={chosen} onChange={(e) => setFrom(e.currentTarget.value)}>
            {others.map((o) => (
              <option key={o.snapshotId} value={o.snapshotId}>
                {shortSnapshot(o.snapshotId)} — {formatTime(o.time)}
              </option>
            ))}
          </select>
        </label>
      )}
      {chosen && <DiffResult key={chosen} s={s} from={chosen} />}
    </section>
  );
}

function timeOf(list: Array<{ snapshotId: string; time: string }> | null, id: string) {
  return list?.find((x) => x.snapshotId.startsWith(id))?.time;
}

function DiffResult(
  props: { s: { hostId: string; repositoryId: string; snapshotId: string }; from: string },
) {
  const { api } = useRestore();
  const loaded = useLoad(() =>
    api.diff({ repositoryId: props.s.repositoryId, from: props.from, to: props.s.snapshotId })
  );
  const d = loaded.data;
  return (
    <>
      <LoadState loaded={loaded} what="the comparison" />
      {d && <DiffSummary d={d} />}
      {d && d.entries.length === 0 && <p class="muted">No differences.</p>}
      {d && d.entries.length > 0 && (
        <ul class="plain-list diff-list">
          {d.entries.map((e) => <DiffItem key={e.path} e={e} s={props.s} />)}
        </ul>
      )}
      {d?.truncated && <p class="muted">Only the first {d.entries.length} differences shown.</p>}
    </>
  );
}

function DiffSummary({ d }: { d: DiffView }) {
  const pct = d.summary.sizeChangePercent;
  return (
    <div class="stats stats--quiet diff-summary">
      <p class="stat">
        <span class="stat__label">Added</span>
        <span class="stat__value">{d.summary.added}</span>
        <span class="stat__detail">{formatBytes(d.summary.bytesAdded)}</span>
      </p>
      <p class="stat">
        <span class="stat__label">Removed</span>
        <span class="stat__value">{d.summary.removed}</span>
        <span class="stat__detail">{formatBytes(d.summary.bytesRemoved)}</span>
      </p>
      <p class="stat">
        <span class="stat__label">Changed</span>
        <span class="stat__value">{d.summary.changed}</span>
        <span class="stat__detail">
          {formatBytes(d.summary.fromSize)} → {formatBytes(d.summary.toSize)}
          {pct !== null && ` (${pct >= 0 ? "+" : ""}${pct.toFixed(1)} %)`}
        </span>
      </p>
    </div>
  );
}

function DiffItem(
  props: { e: DiffEntryView; s: { hostId: string; repositoryId: string; snapshotId: string } },
) {
  const e = props.e;
  const size = (x: DiffEntryView["from"]) => (x ? formatBytes(x.size) : "—");
  return (
    <li class={`diff-item diff-item--${e.change}`}>
      <span class="badge badge--words">{CHANGE_WORD[e.change]}</span>{" "}
      <a class="mono" href={snapshotHref(props.s, { path: parentPath(e.path) })}>{e.path}</a>
      <span class="muted details">
        {e.change === "changed"
          ? `${size(e.from)} → ${size(e.to)} (${e.fields.join(", ")})`
          : size(e.to ?? e.from)}
      </span>
    </li>
  );
}
