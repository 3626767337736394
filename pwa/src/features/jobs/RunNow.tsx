import { useMemo, useState } from "preact/hooks";
import type { PlanView, RepositoryView, RunJob } from "../../../../server/contract/backups.ts";
import type { HostView } from "../../../../server/contract/hosts.ts";
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

interface Choice {
  mode: "plan" | "repository";
  planId: string;
  planKind: "backup" | "forget";
  prune: boolean;
  /** Plan mode: "" = every host of the plan; repository mode: "" = the first host. */
  hostId: string;
  repositoryId: string;
  kind: JobKind;
  subset: string;
}

interface Choices {
  plans: PlanView[];
  repositories: RepositoryView[];
  hosts: HostView[];
}

/** What the choice comes to: the plan, repository, host and kinds it names. */
function resolve(c: Choice, d: Choices) {
  const plan = d.plans.find((p) => p.id === (c.planId || d.plans[0]?.id));
  const repository = d.repositories.find((r) => r.id === (c.repositoryId || d.repositories[0]?.id));
  const repoHost = c.hostId || d.hosts[0]?.id || "";
  const kinds = MAINTENANCE.filter((k) => !repository || kindFitsEngine(repository.engine, k));
  return { plan, repository, repoHost, kinds, kind: kinds.includes(c.kind) ? c.kind : kinds[0] };
}

function runBody(c: Choice, d: Choices): RunJob | null {
  const r = resolve(c, d);
  if (c.mode === "plan") {
    if (!r.plan) return null;
    return {
      kind: c.planKind,
      planId: r.plan.id,
      ...(c.hostId ? { hostId: c.hostId } : {}),
      ...(c.planKind === "forget" && c.prune ? { options: { prune: true } } : {}),
    };
  }
  if (!r.repository || !r.repoHost) return null;
  const subset = c.subset.trim();
  return {
    kind: r.kind,
    repositoryId: r.repository.id,
    hostId: r.repoHost,
    ...(r.kind === "check" && subset ? { options: { readDataSubset: subset } } : {}),
  };
}

/**
 * Run now: a plan's backup or retention (on one of its hosts or all of them), or a repository
 * operation from a chosen host. Opens the job page when one job was made.
 */
export function RunNow(
  props: { planId?: string; hostId?: string; repositoryId?: string; onClose?(): void },
) {
  const { api, router } = useStores();
  const backups = useMemo(() => createBackupsApi(api.client), [api]);
  const loaded = useLoad(async (): Promise<Choices> => {
    const [plans, repositories, hosts] = await Promise.all([
      backups.plans.list(props.hostId),
      backups.repositories.list(),
      createHostsApi(api.client).list().then((l) => l.hosts),
    ]);
    return { plans, repositories, hosts: hosts.filter((h) => h.enrollment === "approved") };
  });
  const { busy, run } = useAction();
  const [choice, setChoice] = useState<Choice>({
    mode: props.repositoryId && !props.planId ? "repository" : "plan",
    planId: props.planId ?? "",
    planKind: "backup",
    prune: false,
    hostId: props.hostId ?? "",
    repositoryId: props.repositoryId ?? "",
    kind: "check",
    subset: "",
  });
  const set = <K extends keyof Choice>(k: K, value: Choice[K]) =>
    setChoice((c) => ({ ...c, [k]: value }));
  const d = loaded.data;
  const body = d ? runBody(choice, d) : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!body) return;
    const r = await run(() => backups.jobs.run(body));
    if (!r.ok) return;
    if (r.value.length === 1) router.navigate(`/jobs/${encodeURIComponent(r.value[0].id)}`);
    else router.navigate(`/jobs?planId=${encodeURIComponent(body.planId ?? "")}`);
  };

  return (
    <section class="card" aria-labelledby="run-now-title">
      <h2 id="run-now-title">Run now</h2>
      {loaded.error !== null && <p class="field__error">Could not load plans and hosts.</p>}
      {d && (
        <form class="form" onSubmit={submit}>
          <Segmented<Choice["mode"]>
            legend="What to run"
            name="run-mode"
            value={choice.mode}
            options={[
              { value: "plan", label: "A plan" },
              { value: "repository", label: "Repository maintenance" },
            ]}
            onValue={(m) => set("mode", m)}
          />
          {choice.mode === "plan"
            ? <PlanRunFields choice={choice} data={d} set={set} />
            : <RepositoryRunFields choice={choice} data={d} set={set} />}
          <div class="button-row">
            <button type="submit" class="btn btn--primary" disabled={busy || !body}>
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

interface FieldsProps {
  choice: Choice;
  data: Choices;
  set<K extends keyof Choice>(k: K, value: Choice[K]): void;
}

function PlanRunFields({ choice, data, set }: FieldsProps) {
  const { plan } = resolve(choice, data);
  return (
    <div class="form-grid">
      <SelectField
        label="Plan"
        value={plan?.id ?? ""}
        options={data.plans.map((p) => ({ value: p.id, label: p.name }))}
        onValue={(x) => set("planId", x)}
      />
      <SelectField<Choice["planKind"]>
        label="Job"
        value={choice.planKind}
        options={[
          { value: "backup", label: "Backup" },
          { value: "forget", label: "Apply retention (forget)" },
        ]}
        onValue={(x) => set("planKind", x)}
      />
      <SelectField
        label="On"
        value={choice.hostId}
        options={[
          { value: "", label: "Every host of the plan" },
          ...(plan?.hosts ?? []).map((h) => ({ value: h.id, label: h.name })),
        ]}
        onValue={(x) => set("hostId", x)}
      />
      {choice.planKind === "forget" && (
        <Checkbox
          label="Prune after forgetting"
          checked={choice.prune}
          onValue={(x) => set("prune", x)}
        />
      )}
    </div>
  );
}

function RepositoryRunFields({ choice, data, set }: FieldsProps) {
  const r = resolve(choice, data);
  return (
    <div class="form-grid">
      <SelectField
        label="Repository"
        value={r.repository?.id ?? ""}
        options={data.repositories.map((x) => ({ value: x.id, label: x.name }))}
        onValue={(x) => set("repositoryId", x)}
      />
      <SelectField
        label="Run from host"
        value={r.repoHost}
        options={data.hosts.map((h) => ({ value: h.id, label: h.name }))}
        onValue={(x) => set("hostId", x)}
      />
      <SelectField<JobKind>
        label="Operation"
        value={r.kind}
        options={r.kinds.map((k) => ({ value: k, label: KIND_LABEL[k] }))}
        onValue={(x) => set("kind", x)}
      />
      {r.kind === "check" && (
        <Field
          label="Read data (optional)"
          value={choice.subset}
          onValue={(x) => set("subset", x)}
          placeholder="e.g. 10% or 1/5"
          hint="Also read back this share of the data (restic)."
        />
      )}
    </div>
  );
}
