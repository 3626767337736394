import { useMemo, useState } from "preact/hooks";
import type { HostDetailView } from "../../../../server/contract/hosts.ts";
import { formatAgo, formatTime } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import type { ScreenProps } from "../../state/router_store.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { AlwaysOnlineToggle, HostScheduleLine } from "../schedules/HostScheduleLine.tsx";
import { useAction } from "../common/use_action.ts";
import { ApprovalActions } from "./ApprovalActions.tsx";
import {
  HOST_TABS,
  HostJobsTab,
  HostPlansTab,
  HostRepositoryTab,
  HostSnapshotsTab,
  HostTabNav,
} from "./HostBackupTabs.tsx";
import type { HostTab } from "./HostBackupTabs.tsx";
import { grouped, STATUS, toolsLine } from "./host_status.ts";
import { createHostsApi } from "./hosts_api.ts";
import { LastVerifiedRestore } from "./LastVerifiedRestore.tsx";
import type { HostsApi } from "./hosts_api.ts";

const HISTORY_WORDS: Record<string, string> = {
  "host.enrolled": "Asked to join",
  "host.enrolled_with_token": "Joined with an install command",
  "host.approved": "Approved",
  "host.approved_by_token": "Approved by an install command",
  "host.rejected": "Rejected",
  "host.revoked": "Revoked",
  "host.updated": "Details changed",
  "host.command_queued": "Command sent",
  "agent.alert": "Alert from the agent",
  "agent.enroll_refused": "Refused: tried to join again",
};

/**
 * One host: identity to compare, facts, connection, enrollment history, and its decisions; once
 * approved, tabs for its plans, jobs, snapshots and repositories (`?tab=plans` …).
 */
export default function HostScreen({ params }: ScreenProps) {
  const { api, router } = useStores();
  const asked = new URLSearchParams(router.search.value).get("tab");
  const tab: HostTab = HOST_TABS.find((t) => t.id === asked)?.id ?? "overview";
  const hostsApi = useMemo(() => createHostsApi(api.client), [api]);
  const loaded = useLoad(() => hostsApi.get(params.id));
  const h = loaded.data;
  return (
    <section>
      <PageHeader
        title={h ? h.name : "Host"}
        lead={h && <span class={STATUS[h.status].badge}>{STATUS[h.status].label}</span>}
      />
      <LoadState loaded={loaded} what="the host" />
      {h && h.enrollment === "approved" && <HostTabNav host={h} current={tab} />}
      {h && tab === "overview" && (
        <HostDetail
          host={h}
          api={hostsApi}
          onChanged={() => void loaded.reload()}
        />
      )}
      {h && tab === "plans" && <HostPlansTab host={h} />}
      {h && tab === "jobs" && <HostJobsTab host={h} />}
      {h && tab === "snapshots" && <HostSnapshotsTab host={h} />}
      {h && tab === "repository" && <HostRepositoryTab host={h} />}
      <p>
        <a href="/hosts">All hosts</a>
      </p>
    </section>
  );
}

function HostDetail(props: { host: HostDetailView; api: HostsApi; onChanged(): void }) {
  const { session } = useStores();
  const h = props.host;
  const f = h.facts as Record<string, unknown>;
  const text = (k: string) => (typeof f[k] === "string" && f[k] ? String(f[k]) : "—");
  return (
    <>
      {h.status === "pending" && session.can("admin") && (
        <ApprovalActions host={h} api={props.api} onChanged={props.onChanged} />
      )}
      <div class="two-col">
        <section class="card" aria-labelledby="identity-title">
          <h2 id="identity-title">Identity</h2>
          <dl class="facts">
            <dt>Phrase</dt>
            <dd>
              <strong>{h.phrase}</strong>
            </dd>
            <dt>Fingerprint</dt>
            <dd>
              <code>{grouped(h.fingerprint)}</code>
            </dd>
            <dt>Enrolled from</dt>
            <dd>{h.enrolledIp}, {formatTime(h.enrolledAt)}</dd>
            <dt>Locked to</dt>
            <dd>{h.lockIp ?? "any address"}</dd>
            <dt>Tags</dt>
            <dd>{h.tags.length ? h.tags.join(", ") : "—"}</dd>
          </dl>
        </section>
        <section class="card" aria-labelledby="connection-title">
          <h2 id="connection-title">Connection</h2>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <span class={STATUS[h.status].dot} aria-hidden="true" /> {STATUS[h.status].label}
              {h.problems.length > 0 && `: ${h.problems.join("; ")}`}
            </dd>
            <dt>Last seen</dt>
            <dd>{h.lastSeenAt ? `${formatAgo(h.lastSeenAt)} from ${h.lastIp}` : "never"}</dd>
            <dt>Clock skew</dt>
            <dd>{h.clockSkewMs === null ? "—" : `${(h.clockSkewMs / 1000).toFixed(1)} s`}</dd>
            <dt>Reports waiting</dt>
            <dd>{h.outboxDepth}</dd>
            {h.enrollment === "approved" && <HostScheduleLine host={h} />}
          </dl>
          {h.enrollment === "approved" && (
            <AlwaysOnlineToggle host={h} onChanged={props.onChanged} />
          )}
        </section>
      </div>
      <section class="card" aria-labelledby="facts-title">
        <h2 id="facts-title">Host facts</h2>
        <dl class="facts">
          <dt>Host name</dt>
          <dd>{text("hostname")}</dd>
          <dt>System</dt>
          <dd>{text("os")} ({text("platform")} {text("arch")}, kernel {text("kernel")})</dd>
          <dt>Backup tools</dt>
          <dd>{toolsLine(h)}</dd>
          <dt>Agent</dt>
          <dd>{text("agentVersion")} on {text("runtime")}, protocol {h.protocolVersion}</dd>
          <dt>Addresses</dt>
          <dd>{Array.isArray(f.addresses) && f.addresses.length ? f.addresses.join(", ") : "—"}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">Enrollment history</h2>
        <ol class="history">
          {h.history.map((e, i) => (
            <li key={i}>
              {formatTime(e.at)}: {HISTORY_WORDS[e.action] ?? e.action}, by {e.actor}
              {e.ip && <span class="muted">({e.ip})</span>}
            </li>
          ))}
        </ol>
      </section>
      {h.enrollment === "approved" && <LastVerifiedRestore host={h} />}
      {h.enrollment === "approved" && (
        <ApprovedActions host={h} api={props.api} onChanged={props.onChanged} />
      )}
    </>
  );
}

function ApprovedActions(props: { host: HostDetailView; api: HostsApi; onChanged(): void }) {
  const { session } = useStores();
  const { busy, run } = useAction();
  const [revoking, setRevoking] = useState(false);
  const h = props.host;
  const ping = () => run(() => props.api.ping(h.id), `Test command sent to ${h.name}`);
  const revoke = async () => {
    const r = await run(() => props.api.revoke(h.id), `${h.name} revoked; its sessions ended`);
    if (r.ok) props.onChanged();
  };
  return (
    <div class="button-row">
      {session.can("operator") && (
        <button type="button" class="btn" disabled={busy} onClick={ping}>Test connection</button>
      )}
      {session.can("admin") && !revoking && (
        <button
          type="button"
          class="btn btn--danger"
          onClick={() => setRevoking(true)}
        >
          Revoke…
        </button>
      )}
      {revoking && (
        <>
          <button type="button" class="btn btn--danger" disabled={busy} onClick={revoke}>
            Revoke {h.name}
          </button>
          <button type="button" class="btn btn--ghost" onClick={() => setRevoking(false)}>
            Keep
          </button>
        </>
      )}
    </div>
  );
}
