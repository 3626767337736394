import type { SnapshotView } from "../../../../server/contract/backups.ts";
import { formatBytes, formatTime } from "../../components/format.ts";

/** Snapshots (restic) or archives (borg) as last listed, newest first. */
export function SnapshotTable(props: { snapshots: SnapshotView[]; showRepository?: boolean }) {
  if (props.snapshots.length === 0) {
    return <p class="muted">No snapshots listed yet. "Refresh snapshots" lists them.</p>;
  }
  const rows = [...props.snapshots].sort((a, b) => b.time.localeCompare(a.time));
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Snapshots</caption>
        <thead>
          <tr>
            <th scope="col">Snapshot</th>
            <th scope="col">Time</th>
            <th scope="col">Host</th>
            <th scope="col">Paths</th>
            <th scope="col">Size</th>
            <th scope="col">Tags</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={`${s.repositoryId}-${s.id}`}>
              <th scope="row">
                <code>{s.shortId}</code>
              </th>
              <td>
                <time dateTime={s.time}>{formatTime(s.time)}</time>
              </td>
              <td>{s.hostname}</td>
              <td class="details">{s.paths.join(", ")}</td>
              <td>{s.sizeBytes !== null ? formatBytes(s.sizeBytes) : "—"}</td>
              <td class="details">
                {s.tags.filter((t) => !t.startsWith("cairn")).join(", ") || "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
