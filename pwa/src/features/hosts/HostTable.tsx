import type { HostView } from "../../../../server/contract/hosts.ts";
import { formatAgo } from "../../components/format.ts";
import { STATUS, toolsLine } from "./host_status.ts";

/** The fleet: status dot, name, last seen, system, backup tools and tags of every host. */
export function HostTable(props: { hosts: HostView[] }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Hosts</caption>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Host</th>
            <th scope="col">Last seen</th>
            <th scope="col">System</th>
            <th scope="col">Backup tools</th>
            <th scope="col">Tags</th>
          </tr>
        </thead>
        <tbody>
          {props.hosts.map((h) => (
            <tr key={h.id} data-host={h.id}>
              <td>
                <span class={STATUS[h.status].dot} aria-hidden="true" /> {STATUS[h.status].label}
                {h.problems.length > 0 && <span class="muted">: {h.problems.join("; ")}</span>}
              </td>
              <th scope="row">
                <a href={`/hosts/${encodeURIComponent(h.id)}`}>{h.name}</a>
                {h.hostname && h.hostname !== h.name && <span class="muted">({h.hostname})</span>}
              </th>
              <td>{h.lastSeenAt ? formatAgo(h.lastSeenAt) : <span class="muted">never</span>}</td>
              <td>{[h.os, h.arch].filter(Boolean).join(" · ") || "—"}</td>
              <td>{toolsLine(h)}</td>
              <td>
                {h.tags.length
                  ? h.tags.map((t) => <span key={t} class="badge">{t}</span>)
                  : <span class="muted">—</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
