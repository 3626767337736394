import { useMemo } from "preact/hooks";
import type { PlanView } from "../../../../server/contract/backups.ts";
import { createBackupsApi } from "../../api/backups_api.ts";
import { EmptyState } from "../../components/EmptyState.tsx";
import { formatTime } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { createSchedulesApi } from "../../api/schedules_api.ts";
import { pauseWords } from "../schedules/schedule_words.ts";
import { STATUS_LABEL, statusBadge } from "../jobs/job_words.ts";
import type { JobStatus } from "../../../../server/contract/backups.ts";

/** Every backup plan: what it backs up, where to, on which hosts, and how its last job went. */
export default function PlansScreen() {
  const { api, session } = useStores();
  const backups = useMemo(() => createBackupsApi(api.client), [api]);
  const loaded = useLoad(() => backups.plans.list());
  const paused = useLoad(() => pausedPlans(createSchedulesApi(api.client)));
  const canEdit = session.can("operator");
  const newPlan = canEdit && <a class="btn btn--primary" href="/plans/new">New plan</a>;
  return (
    <section>
      <PageHeader
        title="Plans"
        lead="What to back up, from which hosts, into which repository, and what to keep."
        actions={newPlan}
      />
      <LoadState loaded={loaded} what="plans" />
      {loaded.data && loaded.data.length === 0 && (
        <EmptyState title="No plans yet" action={newPlan || undefined}>
          <p>
            A plan names the folders to back up on a host (or every host with a tag) and the
            repository they go to.
          </p>
        </EmptyState>
      )}
      {loaded.data && loaded.data.length > 0 && (
        <PlanTable plans={loaded.data} paused={paused.data ?? {}} />
      )}
    </section>
  );
}

/** "Paused until …" by plan id, from the plans' schedules (none when schedules are unknown). */
async function pausedPlans(
  schedules: ReturnType<typeof createSchedulesApi>,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const s of await schedules.list()) {
    const words = pauseWords(s.pausedUntil);
    if (words) out[s.planId] = words;
  }
  return out;
}

export function PlanTable(
  props: { plans: PlanView[]; runNow?(plan: PlanView): void; paused?: Record<string, string> },
) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Plans</caption>
        <thead>
          <tr>
            <th scope="col">Plan</th>
            <th scope="col">Repository</th>
            <th scope="col">Hosts</th>
            <th scope="col">Sources</th>
            <th scope="col">Last job</th>
            {props.runNow && (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {props.plans.map((p) => (
            <tr key={p.id} data-plan={p.id}>
              <th scope="row">
                <a href={`/plans/${encodeURIComponent(p.id)}`}>{p.name}</a>
                {!p.enabled && <span class="badge">off</span>}
                {props.paused?.[p.id] && (
                  <span class="badge badge--warn badge--words" data-testid="plan-paused">
                    {props.paused[p.id]}
                  </span>
                )}
              </th>
              <td>
                {p.repositoryName} <span class="muted">({p.engine})</span>
              </td>
              <td>
                {p.target.type === "tag" && <span class="badge">tag {p.target.tag}</span>}{" "}
                {p.hosts.map((h) => h.name).join(", ") || <span class="muted">none</span>}
              </td>
              <td class="details">{p.sources.join(", ")}</td>
              <td>
                {p.lastJob
                  ? (
                    <a href={`/jobs/${encodeURIComponent(p.lastJob.id)}`}>
                      <span class={statusBadge(p.lastJob.status as JobStatus)}>
                        {STATUS_LABEL[p.lastJob.status as JobStatus] ?? p.lastJob.status}
                      </span>
                    </a>
                  )
                  : <span class="muted">never ran</span>}
                {p.lastJob?.finishedAt && (
                  <span class="muted">{formatTime(p.lastJob.finishedAt)}</span>
                )}
              </td>
              {props.runNow && (
                <td class="actions">
                  <button type="button" class="btn btn--small" onClick={() => props.runNow!(p)}>
                    Run now
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
