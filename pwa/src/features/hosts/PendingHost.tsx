import type { HostView } from "../../../../server/contract/hosts.ts";
import { formatTime } from "../../components/format.ts";
import { ApprovalActions } from "./ApprovalActions.tsx";
import { grouped, toolsLine } from "./host_status.ts";
import type { HostsApi } from "./hosts_api.ts";

/** A host asking to join: what to compare before approving it, and the buttons to decide. */
export function PendingHost(
  props: { host: HostView; api: HostsApi; canDecide: boolean; onChanged(): void },
) {
  const h = props.host;
  const titleId = `pending-${h.id}`;
  return (
    <article class="card" aria-labelledby={titleId}>
      <h3 id={titleId}>
        <a href={`/hosts/${encodeURIComponent(h.id)}`}>{h.name}</a>
      </h3>
      <dl class="facts">
        <dt>Phrase</dt>
        <dd>
          <strong>{h.phrase}</strong>
        </dd>
        <dt>Fingerprint</dt>
        <dd>
          <code>{grouped(h.fingerprint)}</code>
        </dd>
        <dt>Address</dt>
        <dd>{h.enrolledIp}</dd>
        <dt>System</dt>
        <dd>{[h.os, h.arch].filter(Boolean).join(" · ") || "—"}</dd>
        <dt>Backup tools</dt>
        <dd>{toolsLine(h)}</dd>
        <dt>Asked</dt>
        <dd>{formatTime(h.enrolledAt)}</dd>
      </dl>
      <p class="field__hint">
        Approve only if the phrase matches the one the host printed (<code>cairn-agent id</code>).
      </p>
      {props.canDecide && <ApprovalActions host={h} api={props.api} onChanged={props.onChanged} />}
    </article>
  );
}
