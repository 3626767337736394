/** The host page's backup tabs: its plans (with run now), its jobs, its snapshots, and the
 * repositories its plans use. */
import { useMemo, useState } from "preact/hooks";
import type { HostDetailView } from "../../../../server/contract/hosts.ts";
import type { PlanView } from "../../../../server/contract/backups.ts";
import { createBackupsApi } from "../../api/backups_api.ts";
import { formatTime } from "../../components/format.ts";
import { lazy } from "../../components/Lazy.tsx";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { useAction } from "../common/use_action.ts";
import { JobTable } from "../jobs/JobTable.tsx";
import { RunNow } from "../jobs/RunNow.tsx";
import { PlanTable } from "../plans/PlansScreen.tsx";
import { dedupLine, lockLine, sizeLine, STATE } from "../repositories/repository_words.ts";

export const HOST_TABS = [
  { id: "overview", label: "Overview" },
  { id: "plans", label: "Plans" },
  { id: "jobs", label: "Jobs" },
  { id: "snapshots", label: "Snapshots" },
  { id: "repository", label: "Repository" },
] as const;
export type HostTab = (typeof HOST_TABS)[number]["id"];

export function HostTabNav(props: { host: HostDetailView; current: HostTab }) {
  const base = `/hosts/${encodeURIComponent(props.host.id)}`;
  return (
    <nav class="tabs" aria-label="Host sections">
      {HOST_TABS.map((t) => (
        <a
          key={t.id}
          href={t.id === "overview" ? base : `${base}?tab=${t.id}`}
          aria-current={t.id === props.current ? "page" : undefined}
        >
          {t.label}
        </a>
      ))}
    </nav>
  );
}

function useBackups() {
  const { api } = useStores();
  return useMemo(() => createBackupsApi(api.client), [api]);
}

export function HostPlansTab({ host }: { host: HostDetailView }) {
  const backups = useBackups();
  const { session, router } = useStores();
  const { run } = useAction();
  const loaded = useLoad(() => backups.plans.list(host.id));
  const runNow = async (plan: PlanView) => {
    const r = await run(() =>
      backups.jobs.run({ kind: "backup", planId: plan.id, hostId: host.id })
    );
    if (r.ok && r.value[0]) router.navigate(`/jobs/${encodeURIComponent(r.value[0].id)}`);
  };
  const canRun = session.can("operator");
  const [panel, setPanel] = useState(false);
  return (
    <section aria-label="Plans of this host">
      <LoadState loaded={loaded} what="plans" />
      {loaded.data && loaded.data.length === 0 && (
        <p class="muted">No plan backs up this host yet.</p>
      )}
      {loaded.data && loaded.data.length > 0 && (
        <PlanTable plans={loaded.data} runNow={canRun ? runNow : undefined} />
      )}
      {canRun && panel && <RunNow hostId={host.id} onClose={() => setPanel(false)} />}
      {canRun && (
        <p class="button-row">
          {!panel && (
            <button type="button" class="btn" onClick={() => setPanel(true)}>Run now…</button>
          )}
          <a class="btn" href={`/plans/new?hostId=${encodeURIComponent(host.id)}`}>
            New plan for {host.name}
          </a>
        </p>
      )}
    </section>
  );
}

export function HostJobsTab({ host }: { host: HostDetailView }) {
  const backups = useBackups();
  const loaded = useLoad(() => backups.jobs.list({ hostId: host.id, limit: 20 }));
  return (
    <section aria-label="Jobs of this host">
      <LoadState loaded={loaded} what="jobs" />
      {loaded.data && loaded.data.jobs.length === 0 && <p class="muted">No jobs yet.</p>}
      {loaded.data && loaded.data.jobs.length > 0 && <JobTable jobs={loaded.data.jobs} />}
      <p>
        <a href={`/jobs?hostId=${encodeURIComponent(host.id)}`}>All jobs of {host.name}</a>
      </p>
    </section>
  );
}

/** Browse and restore live in their own chunk, loaded when this tab opens. */
const HostRestoreTab = lazy(() => import("../restore/HostRestoreTab.tsx"));

export function HostSnapshotsTab({ host }: { host: HostDetailView }) {
  return (
    <section aria-label="Snapshots of this host">
      <HostRestoreTab hostId={host.id} />
    </section>
  );
}

export function HostRepositoryTab({ host }: { host: HostDetailView }) {
  const backups = useBackups();
  const loaded = useLoad(async () => {
    const [plans, repositories] = await Promise.all([
      backups.plans.list(host.id),
      backups.repositories.list(),
    ]);
    const used = new Set(plans.map((p) => p.repositoryId));
    return repositories.filter((r) => used.has(r.id));
  });
  return (
    <section aria-label="Repositories this host backs up into">
      <LoadState loaded={loaded} what="repositories" />
      {loaded.data && loaded.data.length === 0 && (
        <p class="muted">None yet: a plan for this host names its repository.</p>
      )}
      {loaded.data?.map((r) => (
        <section key={r.id} class="card" aria-labelledby={`repo-${r.id}`}>
          <h2 id={`repo-${r.id}`}>
            <a href={`/repositories/${encodeURIComponent(r.id)}`}>{r.name}</a>{" "}
            <span class={STATE[r.state].badge}>{STATE[r.state].label}</span>
          </h2>
          <dl class="facts">
            <dt>Location</dt>
            <dd>
              <code>{r.display}</code> ({r.engine})
            </dd>
            <dt>Size</dt>
            <dd>{sizeLine(r)}, deduplication {dedupLine(r)}</dd>
            <dt>Snapshots</dt>
            <dd>{r.stats.snapshotCount ?? "—"}</dd>
            <dt>Last check</dt>
            <dd>
              {r.lastCheck ? `${formatTime(r.lastCheck.at)}: ${r.lastCheck.status}` : "never"}
            </dd>
            <dt>Lock</dt>
            <dd>{lockLine(r)}</dd>
          </dl>
        </section>
      ))}
    </section>
  );
}
