import { useEffect } from "preact/hooks";
import type { DashboardView } from "../../../../server/contract/api.ts";
import { EmptyState } from "../../components/EmptyState.tsx";
import { formatAgo, formatBytes, formatDuration } from "../../components/format.ts";
import { lazy } from "../../components/Lazy.tsx";
import { Notice } from "../../components/Notice.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { StatTile } from "../../components/StatTile.tsx";
import { routes } from "../../routes.ts";
import { useStores } from "../../state/stores.ts";

const REFRESH_MS = 30_000;
const NeedsAttention = lazy(() => import("../alerts/NeedsAttention.tsx"));

/** The fleet at a glance: hosts, jobs, and the appliance itself; opens offline from the cache. */
export function DashboardScreen() {
  const { dashboard } = useStores();
  useEffect(() => {
    // The shell fetched it a moment ago on first load; coming back later, fetch afresh.
    const age = Date.now() - (dashboard.syncedAt.value ?? 0);
    if (age > 5_000 || dashboard.offline.value) void dashboard.refresh();
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") void dashboard.refresh();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  const view = dashboard.view.value;
  const syncedAt = dashboard.syncedAt.value;
  return (
    <section class="dashboard">
      <PageHeader
        title="Dashboard"
        lead={view
          ? (
            <>
              {view.applianceName !== "Cairn" && <span>{view.applianceName} ·</span>}
              {syncedAt !== null && !dashboard.offline.value && (
                <span>Updated {formatAgo(syncedAt)}</span>
              )}
            </>
          )
          : undefined}
      />
      {dashboard.error.value && <Notice kind="error">{dashboard.error.value}</Notice>}
      {view === null && !dashboard.error.value && (
        <p class="loading" aria-busy="true">Loading the fleet…</p>
      )}
      {view && dashboard.attention.value && (dashboard.attention.value.alerts.length > 0) && (
        <NeedsAttention attention={dashboard.attention.value} />
      )}
      {view && <Figures view={view} />}
    </section>
  );
}

function Figures({ view }: { view: DashboardView }) {
  const { session } = useStores();
  const { hosts, jobs } = view;
  const hostsRoute = routes.find((r) => r.path === "/hosts");
  return (
    <>
      {hosts.total === 0 && (
        <EmptyState
          title="No hosts yet: add your first host"
          action={hostsRoute && session.can("admin")
            ? <a class="btn btn--primary" href="/hosts">Add a host</a>
            : undefined}
        >
          <p>
            Cairn backs up the machines that run its agent. Install the agent on a server or laptop
            you want to protect; it shows up here waiting for approval.
          </p>
          <p>
            {session.can("admin")
              ? "Once you approve it, give it a repository and a schedule, and its backups appear on this page."
              : "An admin approves new hosts; ask one to add the machines you care about."}
          </p>
        </EmptyState>
      )}
      <h2 class="section-title">Fleet</h2>
      <dl class="stats">
        <StatTile
          label="Hosts"
          value={hosts.total}
          detail={hosts.total === 0
            ? "none enrolled"
            : `${hosts.online} online · ${hosts.offline} offline`}
          tone={hosts.offline > 0 ? "warn" : "neutral"}
        />
        <StatTile
          label="Awaiting approval"
          value={hosts.pending}
          tone={hosts.pending > 0 ? "warn" : "neutral"}
        />
        <StatTile label="Jobs running" value={jobs.running} />
        <StatTile
          label="Failed (24 h)"
          value={jobs.failed24h}
          tone={jobs.failed24h > 0 ? "bad" : "neutral"}
        />
        <StatTile
          label="Succeeded (24 h)"
          value={jobs.succeeded24h}
          tone={jobs.succeeded24h > 0 ? "good" : "neutral"}
        />
      </dl>
      <h2 class="section-title">Appliance</h2>
      <dl class="stats stats--quiet">
        <StatTile label="Users" value={view.users} />
        <StatTile label="Audit events (24 h)" value={view.auditEvents24h} />
        <StatTile label="Database" value={formatBytes(view.databaseBytes)} />
        <StatTile label="Up for" value={formatDuration(view.uptimeSeconds)} />
      </dl>
    </>
  );
}
