import { useMemo, useState } from "preact/hooks";
import type { PlanView } from "../../../../server/contract/backups.ts";
import { createBackupsApi } from "../../api/backups_api.ts";
import type { BackupsApi } from "../../api/backups_api.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import type { ScreenProps } from "../../state/router_store.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { useAction } from "../common/use_action.ts";
import { createHostsApi } from "../hosts/hosts_api.ts";
import { RunNow } from "../jobs/RunNow.tsx";
import { PlanSchedules } from "../schedules/PlanSchedules.tsx";
import { PlanEditor } from "./PlanEditor.tsx";
import { PlanPreview } from "./PlanPreview.tsx";

/** One plan (or a new one at /plans/new): the editor, the command preview, run now, delete. */
export default function PlanScreen({ params }: ScreenProps) {
  // Another id on the same route is another page: start it afresh.
  return <PlanPage key={params.id} params={params} />;
}

function PlanPage({ params }: ScreenProps) {
  const { api, router, session } = useStores();
  const backups = useMemo(() => createBackupsApi(api.client), [api]);
  const isNew = params.id === "new";
  const loaded = useLoad(async () => {
    const [plan, repositories, hosts] = await Promise.all([
      isNew ? Promise.resolve(null) : backups.plans.get(params.id),
      backups.repositories.list(),
      createHostsApi(api.client).list().then((l) => l.hosts),
    ]);
    return { plan, repositories, hosts: hosts.filter((h) => h.enrollment === "approved") };
  });
  const [version, setVersion] = useState(0);
  const d = loaded.data;
  const q = new URLSearchParams(router.search.value);
  const canEdit = session.can("operator");
  const title = isNew ? "New plan" : d?.plan?.name ?? "Plan";

  const saved = (plan: PlanView) => {
    if (isNew) router.navigate(`/plans/${encodeURIComponent(plan.id)}`, { replace: true });
    else {
      setVersion((n) => n + 1);
      void loaded.reload();
    }
  };

  return (
    <section>
      <PageHeader
        title={title}
        lead={d?.plan && `${d.plan.repositoryName} (${d.plan.engine})`}
      />
      <LoadState loaded={loaded} what="the plan" />
      {d && isNew && !canEdit && <p>Your role does not allow making plans.</p>}
      {d && isNew && canEdit && d.repositories.length === 0 && (
        <p>
          Add a repository first: <a href="/repositories">Repositories</a>
        </p>
      )}
      {d?.plan && (
        <PlanSchedules
          key={`sch-${version}`}
          planId={d.plan.id}
          planName={d.plan.name}
          engine={d.plan.engine}
          enabled={d.plan.enabled}
        />
      )}
      {d && (d.plan || (isNew && canEdit && d.repositories.length > 0)) && (
        <div class={d.plan ? "plan-layout" : undefined}>
          <div>
            {canEdit
              ? (
                <PlanEditor
                  key={`${d.plan?.id}-${version}`}
                  editing={d.plan}
                  repositories={d.repositories}
                  hosts={d.hosts}
                  defaults={{
                    repositoryId: q.get("repositoryId") ?? undefined,
                    hostId: q.get("hostId") ?? undefined,
                  }}
                  onSaved={saved}
                  onCancel={isNew
                    ? () => router.navigate("/plans")
                    : undefined}
                />
              )
              : d.plan && <PlanSummary plan={d.plan} />}
          </div>
          {d.plan && (
            <aside>
              <PlanPreview plan={d.plan} api={backups} version={String(version)} />
              {canEdit && <RunNow planId={d.plan.id} />}
              {canEdit && <DeletePlan plan={d.plan} api={backups} />}
            </aside>
          )}
        </div>
      )}
      <p>
        <a href="/plans">All plans</a>
      </p>
    </section>
  );
}

function PlanSummary({ plan }: { plan: PlanView }) {
  const r = Object.entries(plan.retention).map(([k, v]) => `${k} ${v}`).join(", ");
  return (
    <section class="card" aria-labelledby="summary-title">
      <h2 id="summary-title">Plan</h2>
      <dl class="facts">
        <dt>Hosts</dt>
        <dd>{plan.hosts.map((h) => h.name).join(", ") || "none"}</dd>
        <dt>Sources</dt>
        <dd>{plan.sources.join(", ")}</dd>
        <dt>Excludes</dt>
        <dd>{plan.excludes.join(", ") || "—"}</dd>
        <dt>Retention</dt>
        <dd>{r || "keep everything"}</dd>
        <dt>Hooks</dt>
        <dd>{plan.hooks.pre || plan.hooks.post ? "set" : "none"}</dd>
        <dt>Enabled</dt>
        <dd>{plan.enabled ? "yes" : "no"}</dd>
      </dl>
    </section>
  );
}

function DeletePlan(props: { plan: PlanView; api: BackupsApi }) {
  const { router } = useStores();
  const { busy, run } = useAction();
  const [confirming, setConfirming] = useState(false);
  const remove = async () => {
    const r = await run(
      () => props.api.plans.remove(props.plan.id),
      `Plan ${props.plan.name} deleted`,
    );
    if (r.ok) router.navigate("/plans");
  };
  return (
    <div class="button-row">
      {!confirming
        ? (
          <button type="button" class="btn btn--danger" onClick={() => setConfirming(true)}>
            Delete plan…
          </button>
        )
        : (
          <>
            <span>Snapshots it made stay in the repository.</span>
            <button type="button" class="btn btn--danger" disabled={busy} onClick={remove}>
              Delete {props.plan.name}
            </button>
            <button type="button" class="btn btn--ghost" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        )}
    </div>
  );
}
