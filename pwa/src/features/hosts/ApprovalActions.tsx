import { useState } from "preact/hooks";
import type { HostView } from "../../../../server/contract/hosts.ts";
import { useAction } from "../common/use_action.ts";
import { lockCandidate } from "./host_status.ts";
import type { HostsApi } from "./hosts_api.ts";

/** Approve, approve and lock to the host's address, or reject (after a second click). */
export function ApprovalActions(props: { host: HostView; api: HostsApi; onChanged(): void }) {
  const { busy, run } = useAction();
  const [rejecting, setRejecting] = useState(false);
  const h = props.host;
  const ip = lockCandidate(h);
  const approve = async (lockIp?: string) => {
    const r = await run(
      () => props.api.approve(h.id, lockIp ? { lockIp } : {}),
      lockIp ? `${h.name} approved, locked to ${lockIp}` : `${h.name} approved`,
    );
    if (r.ok) props.onChanged();
  };
  const reject = async () => {
    const r = await run(
      () => props.api.reject(h.id),
      `${h.name} rejected; its key is refused from now on`,
    );
    if (r.ok) props.onChanged();
  };
  if (rejecting) {
    return (
      <div class="button-row">
        <button type="button" class="btn btn--danger" disabled={busy} onClick={reject}>
          Reject {h.name}
        </button>
        <button type="button" class="btn btn--ghost" onClick={() => setRejecting(false)}>
          Keep waiting
        </button>
      </div>
    );
  }
  return (
    <div class="button-row">
      <button type="button" class="btn btn--primary" disabled={busy} onClick={() => approve()}>
        Approve
      </button>
      <button type="button" class="btn" disabled={busy} onClick={() => approve(ip)}>
        Approve and lock to {ip}
      </button>
      <button
        type="button"
        class="btn btn--ghost"
        disabled={busy}
        onClick={() => setRejecting(true)}
      >
        Reject…
      </button>
    </div>
  );
}
