import { useMemo, useState } from "preact/hooks";
import type { PlanView, RepositoryView } from "../../../../server/contract/backups.ts";
import type { HostView } from "../../../../server/contract/hosts.ts";
import { createBackupsApi } from "../../api/backups_api.ts";
import { ApiError } from "../../api/client.ts";
import { SelectField } from "../../components/Field.tsx";
import { Notice } from "../../components/Notice.tsx";
import { useStores } from "../../state/stores.ts";
import { errorMessage } from "../common/use_action.ts";
import { Checkbox, Segmented, TextField } from "./form_parts.tsx";
import type { FieldErrors } from "./form_parts.tsx";
import {
  checkPlan,
  emptyPlanForm,
  planBody,
  planFormFrom,
  serverFieldErrors,
} from "./plan_form.ts";
import type { PlanForm } from "./plan_form.ts";
import { HooksSection, OptionsSection, RetentionSection } from "./PlanSections.tsx";

/** Create or edit a plan; checked by field with the contract's rules before it is sent. */
export function PlanEditor(props: {
  editing: PlanView | null;
  repositories: RepositoryView[];
  hosts: HostView[];
  defaults?: { repositoryId?: string; hostId?: string };
  onSaved(plan: PlanView): void;
  onCancel?(): void;
}) {
  const { api, session, toasts } = useStores();
  const backups = useMemo(() => createBackupsApi(api.client), [api]);
  const isAdmin = session.can("admin");
  const [form, setForm] = useState<PlanForm>(() =>
    props.editing ? planFormFrom(props.editing) : emptyPlanForm({
      repositoryId: props.defaults?.repositoryId ?? props.repositories[0]?.id,
      hostId: props.defaults?.hostId ?? props.hosts[0]?.id,
    })
  );
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof PlanForm>(key: K, value: PlanForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const repository = props.repositories.find((r) => r.id === form.repositoryId);
  const engine = repository?.engine ?? props.editing?.engine ?? null;

  const submit = async (e: Event) => {
    e.preventDefault();
    const checked = checkPlan(
      planBody(form, { engine, isAdmin, editing: props.editing }),
      props.editing !== null,
    );
    if (!checked.ok) {
      setErrors(checked.errors);
      focusFirstError();
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const plan = props.editing
        ? await backups.plans.update(props.editing.id, checked.value)
        : await backups.plans.create(checked.value as Parameters<typeof backups.plans.create>[0]);
      toasts.success(`Plan ${plan.name} saved`);
      props.onSaved(plan);
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        const byField = serverFieldErrors(err.details);
        setErrors(Object.keys(byField).length ? byField : { form: err.message });
        focusFirstError();
      } else toasts.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const count = Object.keys(errors).length;
  return (
    <form class="form plan-editor" onSubmit={submit} noValidate>
      {count > 0 && (
        <Notice kind="error">
          <p>
            {errors.form ?? `Please correct ${count === 1 ? "one field" : `${count} fields`}.`}
          </p>
        </Notice>
      )}
      <fieldset class="card form-section">
        <legend>What and where</legend>
        <div class="form-grid">
          <TextField
            label="Name"
            value={form.name}
            onValue={(x) => set("name", x)}
            error={errors.name}
            required
          />
          <SelectField
            label="Repository"
            value={form.repositoryId}
            options={props.repositories.map((r) => ({
              value: r.id,
              label: `${r.name} (${r.engine})`,
            }))}
            onValue={(x) => set("repositoryId", x)}
          />
        </div>
        {errors.repositoryId && <p class="field__error">{errors.repositoryId}</p>}
        <Segmented
          legend="Back up"
          name="target-type"
          value={form.targetType}
          options={[{ value: "host", label: "One host" }, {
            value: "tag",
            label: "Hosts with a tag",
          }]}
          onValue={(x) => set("targetType", x)}
        />
        {form.targetType === "host"
          ? (
            <SelectField
              label="Host"
              value={form.hostId}
              options={[
                { value: "", label: "Choose a host" },
                ...props.hosts.map((h) => ({ value: h.id, label: h.name })),
              ]}
              onValue={(x) => set("hostId", x)}
            />
          )
          : (
            <TextField
              label="Tag"
              value={form.tag}
              onValue={(x) => set("tag", x)}
              hint="Every approved host with this tag, now and later."
            />
          )}
        {errors.target && <p class="field__error">Target: {errors.target}</p>}
        <TextField
          label="Sources"
          rows={4}
          mono
          value={form.sources}
          onValue={(x) => set("sources", x)}
          error={errors.sources}
          hint="Absolute paths on the host, one per line."
          placeholder="/etc"
        />
      </fieldset>
      <OptionsSection form={form} errors={errors} set={set} borg={engine === "borg"} />
      <RetentionSection form={form} errors={errors} set={set} />
      {isAdmin && <HooksSection form={form} errors={errors} set={set} editing={props.editing} />}
      <Checkbox label="Enabled" checked={form.enabled} onValue={(x) => set("enabled", x)} />
      <div class="button-row">
        <button type="submit" class="btn btn--primary" disabled={busy}>
          {props.editing ? "Save plan" : "Create plan"}
        </button>
        {props.onCancel && (
          <button type="button" class="btn btn--ghost" onClick={props.onCancel}>Cancel</button>
        )}
      </div>
    </form>
  );
}

function focusFirstError() {
  requestAnimationFrame(() => {
    const first = document.querySelector<HTMLElement>(".plan-editor [aria-invalid='true']");
    first?.focus();
  });
}
