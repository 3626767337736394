import { useMemo, useState } from "preact/hooks";
import type { RunJob } from "../../../../server/contract/backups.ts";
import { kindFitsEngine } from "../../../../server/contract/jobs.ts";
import type { JobKind } from "../../../../server/contract/jobs.ts";
import { createBackupsApi } from "../../api/backups_api.ts";
import { Field, SelectField } from "../../components/Field.tsx";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { createHostsApi } from "../hosts/hosts_api.ts";
import { useAction } from "../common/use_action.ts";
import { Checkbox, Segmented } from "../plans/form_parts.tsx";
import { KIND_LABEL } from "./job_words.ts";

const MAINTENANCE: JobKind[] = ["check", "prune", "compact", "stats", "snapshots", "locks", "test"];
const ALL_HOSTS = "";

/**
 * Run now: a plan's backup or retention (on one of its hosts or all of them), or a repository
 * operation from a chosen host. Opens the job page when one job was made.
 */
export function RunNow(
  props: { planId?: string; hostId?: string; repositoryId?: string; onClose?(): void },
) {
  const { api, router } = useStores();
  const backups = useMemo(() => createBackupsApi(api.client), [api]);
  const loaded = useLoad(async () => {
    const [plans, repositories, hosts] = await Promise.all([
      backups.plans.list(props.hostId),
      backups.repositories.list(),
      createHostsApi(api.client).list().then((l) => l.hosts),
    ]);
    return { plans, repositories, hosts: hosts.filter((h) => h.enrollment === "approved") };
  });
  const { busy, run } = useAction();
  const [mode, setMode] = useState<"plan" | "repository">(
    props.repositoryId && !props.planId ? "repository" : "plan",
  );
  const [planId, setPlanId] = useState(props.planId ?? "");
  const [planKind, setPlanKind] = useState<"backup" | "forget">("backup");
  const [prune, setPrune] = useState(false);
  const [hostId, setHostId] = useState(props.hostId ?? ALL_HOSTS);
  const [repositoryId, setRepositoryId] = useState(props.repositoryId ?? "");
  const [kind, setKind] = useState<JobKind>("check");
  const [subset, setSubset] = useState("");

  const d = loaded.data;
  const plan = d?.plans.find((p) => p.id === (planId || d.plans[0]?.id));
  const repository = d?.repositories.find((r) => r.id === (repositoryId || d.repositories[0]?.id));
  const repoHost = hostId || d?.hosts[0]?.id || "";
  const kinds = MAINTENANCE.filter((k) => !repository || kindFitsEngine(repository.engine, k));

  const body = (): RunJob | null => {
    if (mode === "plan") {
      if (!plan) return null;
      return {
        kind: planKind,
        planId: plan.id,
        ...(hostId ? { hostId } : {}),
        ...(planKind === "forget" && prune ? { options: { prune: true } } : {}),
      };
    }
    if (!repository || !repoHost) return null;
    return {
      kind,
      repositoryId: repository.id,
      hostId: repoHost,
      ...(kind === "check" && subset.trim() ? { options: { readDataSubset: subset.trim() } } : {}),
    };
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const b = body();
    if (!b) return;
    const r = await run(() => backups.jobs.run(b));
    if (!r.ok) return;
    if (r.value.length === 1) router.navigate(`/jobs/${encodeURIComponent(r.value[0].id)}`);
    else router.navigate(`/jobs?planId=${encodeURIComponent(b.planId ?? "")}`);
  };

  return (
    <section class="card" aria-labelledby="run-now-title">
      <h2 id="run-now-title">Run now</h2>
      {loaded.error !== null && <p class="field__error">Could not load plans and hosts.</p>}
      {d && (
        <form class="form" onSubmit={submit}>
          <Segmented<"plan" | "repository">
            legend="What to run"
            name="run-mode"
            value={mode}
            options={[
              { value: "plan", label: "A plan" },
              { value: "repository", label: "Repository maintenance" },
            ]}
            onValue={setMode}
          />
          {mode === "plan"
            ? (
              <div class="form-grid">
                <SelectField
                  label="Plan"
                  value={plan?.id ?? ""}
                  options={d.plans.map((p) => ({ value: p.id, label: p.name }))}
                  onValue={setPlanId}
                />
                <SelectField<"backup" | "forget">
                  label="Job"
                  value={planKind}
                  options={[
                    { value: "backup", label: "Backup" },
                    { value: "forget", label: "Apply retention (forget)" },
                  ]}
                  onValue={setPlanKind}
                />
                <SelectField
                  label="On"
                  value={hostId}
                  options={[
                    { value: ALL_HOSTS, label: "Every host of the plan" },
                    ...(plan?.hosts ?? []).map((h) => ({ value: h.id, label: h.name })),
                  ]}
                  onValue={setHostId}
                />
                {planKind === "forget" && (
                  <Checkbox label="Prune after forgetting" checked={prune} onValue={setPrune} />
                )}
              </div>
            )
            : (
              <div class="form-grid">
                <SelectField
                  label="Repository"
                  value={repository?.id ?? ""}
                  options={d.repositories.map((r) => ({ value: r.id, label: r.name }))}
                  onValue={setRepositoryId}
                />
                <SelectField
                  label="Run from host"
                  value={repoHost}
                  options={d.hosts.map((h) => ({ value: h.id, label: h.name }))}
                  onValue={setHostId}
                />
                <SelectField<JobKind>
                  label="Operation"
                  value={kinds.includes(kind) ? kind : kinds[0]}
                  options={kinds.map((k) => ({ value: k, label: KIND_LABEL[k] }))}
                  onValue={setKind}
                />
                {kind === "check" && (
                  <Field
                    label="Read data (optional)"
                    value={subset}
                    onValue={setSubset}
                    placeholder="e.g. 10% or 1/5"
                    hint="Also read back this share of the data (restic)."
                  />
                )}
              </div>
            )}
          <div class="button-row">
            <button type="submit" class="btn btn--primary" disabled={busy || !body()}>
              Run now
            </button>
            {props.onClose && (
              <button type="button" class="btn btn--ghost" onClick={props.onClose}>Close</button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
