/**
 * Make or change one notification channel: its kind's fields (secrets write-only, shown as
 * "set"), which rules, severities and events it hears about, checked with the contract's rules
 * by field before it is sent.
 */
import { useState } from "preact/hooks";
import { ALERT_RULES, ALERT_SEVERITIES } from "../../../../server/contract/alerts.ts";
import type { ChannelKind, ChannelView } from "../../../../server/contract/notify.ts";
import { CHANNEL_EVENTS, CHANNEL_KINDS } from "../../../../server/contract/notify.ts";
import { ApiError } from "../../api/client.ts";
import type { NotifyApi } from "../../api/notify_api.ts";
import { SelectField } from "../../components/Field.tsx";
import { Notice } from "../../components/Notice.tsx";
import { useStores } from "../../state/stores.ts";
import { RULE_LABEL, SEVERITY_LABEL } from "../alerts/alert_words.ts";
import { errorMessage } from "../common/use_action.ts";
import { Checkbox, TextField } from "../plans/form_parts.tsx";
import {
  channelFormFrom,
  checkCreate,
  checkUpdate,
  emptyChannelForm,
  FIELDS,
  KIND_LABEL,
  serverFieldErrors,
} from "./channel_form.ts";
import type { ChannelForm, FieldDef, FieldErrors } from "./channel_form.ts";

const SECURE = [
  { value: "starttls", label: "STARTTLS (587)" },
  { value: "tls", label: "TLS (465)" },
  { value: "none", label: "None (a relay on the LAN)" },
];

function toggle<T>(list: T[], x: T, on: boolean): T[] {
  return on ? [...list.filter((y) => y !== x), x] : list.filter((y) => y !== x);
}

export function ChannelEditor(
  props: { editing: ChannelView | null; api: NotifyApi; onSaved(): void; onCancel(): void },
) {
  const { toasts } = useStores();
  const [form, setForm] = useState<ChannelForm>(() =>
    props.editing ? channelFormFrom(props.editing) : emptyChannelForm("ntfy")
  );
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof ChannelForm>(k: K, x: ChannelForm[K]) =>
    setForm((f) => ({ ...f, [k]: x }));
  const setValue = (k: string, x: string) =>
    setForm((f) => ({ ...f, values: { ...f.values, [k]: x } }));

  const save = async (e: Event) => {
    e.preventDefault();
    const checked = props.editing ? checkUpdate(form) : checkCreate(form);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      if (props.editing) {
        await props.api.channels.update(props.editing.id, checked.value);
      } else {
        await props.api.channels.create(
          checked.value as Parameters<NotifyApi["channels"]["create"]>[0],
        );
      }
      toasts.success(`Channel ${form.name.trim()} saved`);
      props.onSaved();
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        const byField = serverFieldErrors(form.kind, err.details);
        setErrors(Object.keys(byField).length ? byField : { form: err.message });
      } else toasts.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const field = (f: FieldDef) => {
    if (f.kind === "secure") {
      return (
        <SelectField
          key={f.key}
          label={f.label}
          value={form.values[f.key] || "starttls"}
          options={SECURE}
          onValue={(x) => setValue(f.key, x)}
        />
      );
    }
    const stored = f.secret && props.editing?.secretsSet[f.key];
    return (
      <TextField
        key={f.key}
        label={f.label}
        type={f.secret ? "password" : f.kind === "number" ? "number" : "text"}
        rows={f.kind === "list" ? 3 : undefined}
        value={form.values[f.key] ?? ""}
        placeholder={stored ? "set (type to replace)" : f.placeholder}
        autoComplete={f.secret ? "new-password" : "off"}
        hint={f.hint}
        error={errors[f.key]}
        onValue={(x) => setValue(f.key, x)}
      />
    );
  };

  return (
    <form class="card form channel-editor" onSubmit={save} noValidate aria-label="Channel">
      <h3>{props.editing ? `Edit ${props.editing.name}` : "New channel"}</h3>
      {errors.form && <Notice kind="error">{errors.form}</Notice>}
      <div class="form-grid">
        {props.editing ? <p class="muted">Kind: {KIND_LABEL[form.kind]}</p> : (
          <SelectField
            label="Kind"
            value={form.kind}
            options={CHANNEL_KINDS.map((k) => ({ value: k, label: KIND_LABEL[k] }))}
            onValue={(k: ChannelKind) => setForm({ ...emptyChannelForm(k), name: form.name })}
          />
        )}
        <TextField
          label="Name"
          value={form.name}
          onValue={(x) => set("name", x)}
          error={errors.name}
        />
        {FIELDS[form.kind].map(field)}
      </div>
      <fieldset class="pick-group">
        <legend>Severities</legend>
        {ALERT_SEVERITIES.map((s) => (
          <Checkbox
            key={s}
            label={SEVERITY_LABEL[s]}
            checked={form.severities.includes(s)}
            onValue={(on) => set("severities", toggle(form.severities, s, on))}
          />
        ))}
        {errors.severities && <p class="field__error">{errors.severities}</p>}
      </fieldset>
      <fieldset class="pick-group">
        <legend>Events</legend>
        {CHANNEL_EVENTS.map((ev) => (
          <Checkbox
            key={ev}
            label={ev === "opened" ? "Alert opened" : "Recovered"}
            checked={form.events.includes(ev)}
            onValue={(on) => set("events", toggle(form.events, ev, on))}
          />
        ))}
        {errors.events && <p class="field__error">{errors.events}</p>}
      </fieldset>
      <details class="pick-group">
        <summary>
          Rules: {form.rules.length === 0 ? "every rule" : `${form.rules.length} chosen`}
        </summary>
        {ALERT_RULES.map((r) => (
          <Checkbox
            key={r}
            label={RULE_LABEL[r]}
            checked={form.rules.includes(r)}
            onValue={(on) => set("rules", toggle(form.rules, r, on))}
          />
        ))}
        <p class="field__hint">None chosen means every rule.</p>
      </details>
      <Checkbox label="Enabled" checked={form.enabled} onValue={(x) => set("enabled", x)} />
      <div class="button-row">
        <button type="submit" class="btn btn--primary" disabled={busy}>Save channel</button>
        <button type="button" class="btn btn--ghost" onClick={props.onCancel}>Cancel</button>
      </div>
    </form>
  );
}
