/**
 * The alert rules' settings (admins): each rule on or off, the severity its alerts get, and its
 * figures (failures in a row, minutes offline, hours a lock may be held, percent of change).
 * A figure is typed as text and checked here before it is sent; the appliance checks it again.
 */
import { useMemo, useState } from "preact/hooks";
import { ALERT_SEVERITIES } from "../../../../server/contract/alerts.ts";
import type { AlertRuleView, AlertSeverity } from "../../../../server/contract/alerts.ts";
import { createAlertsApi } from "../../api/alerts_api.ts";
import type { AlertsApi } from "../../api/alerts_api.ts";
import { ApiError } from "../../api/client.ts";
import { SelectField } from "../../components/Field.tsx";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { errorMessage } from "../common/use_action.ts";
import { Checkbox, TextField } from "../plans/form_parts.tsx";
import { codeSpans, PARAM_LABEL, RULE_LABEL, SEVERITY_LABEL } from "./alert_words.ts";

const SEVERITIES = ALERT_SEVERITIES.map((s) => ({ value: s, label: SEVERITY_LABEL[s] }));

export function AlertRulesCard() {
  const { api } = useStores();
  const alerts = useMemo(() => createAlertsApi(api.client), [api]);
  const loaded = useLoad(() => alerts.rules.list());
  return (
    <section class="card" aria-labelledby="rules-title">
      <h2 id="rules-title">Alert rules</h2>
      <p class="card__lead">
        Which rules raise alerts, how urgent their alerts are, and when they fire. Channels choose
        which of these they hear about.
      </p>
      <LoadState loaded={loaded} what="the alert rules" />
      <div class="rule-list">
        {loaded.data?.map((r) => <RuleRow key={r.rule} settings={r} api={alerts} />)}
      </div>
    </section>
  );
}

/**
 * The figures as numbers, or what is wrong with each. An empty field is null (the rule's "never",
 * where it has one); the appliance judges the ranges.
 */
export function parseParams(
  typed: Record<string, string>,
):
  | { ok: true; params: Record<string, number | null> }
  | { ok: false; errors: Record<string, string> } {
  const params: Record<string, number | null> = {};
  const errors: Record<string, string> = {};
  for (const [k, s] of Object.entries(typed)) {
    const t = s.trim().replace(",", ".");
    if (t === "") params[k] = null;
    else if (!/^\d{1,7}(\.\d{1,3})?$/.test(t)) errors[k] = "must be a number";
    else params[k] = Number(t);
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, params };
}

function RuleRow(props: { settings: AlertRuleView; api: AlertsApi }) {
  const { toasts } = useStores();
  const s = props.settings;
  const [enabled, setEnabled] = useState(s.enabled);
  const [severity, setSeverity] = useState<AlertSeverity>(s.severity);
  const [typed, setTyped] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      Object.entries(s.params ?? {}).map(([k, v]) => [k, v == null ? "" : String(v)]),
    )
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const label = RULE_LABEL[s.rule] ?? s.rule;
  const save = async (e: Event) => {
    e.preventDefault();
    const parsed = parseParams(typed);
    if (!parsed.ok) return setErrors(parsed.errors);
    setErrors({});
    setBusy(true);
    try {
      const body = Object.keys(parsed.params).length
        ? { enabled, severity, params: parsed.params }
        : { enabled, severity };
      await props.api.rules.update(s.rule, body);
      toasts.success(`${label}: saved`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        setErrors(paramErrors(err.details, err.message, Object.keys(typed)));
      } else toasts.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="rule-row" onSubmit={save} noValidate aria-label={label} data-rule={s.rule}>
      <Checkbox label={<strong>{label}</strong>} checked={enabled} onValue={setEnabled} />
      <p class="field__hint rule-row__about">
        {codeSpans(s.description).map((p, i) => p.code ? <code key={i}>{p.text}</code> : p.text)}
        {!s.implemented && " (not active on this appliance yet)"}
      </p>
      <SelectField
        label="Severity"
        value={severity}
        options={SEVERITIES}
        onValue={(x) => setSeverity(x as AlertSeverity)}
      />
      {Object.keys(typed).map((k) => (
        <TextField
          key={k}
          label={PARAM_LABEL[k] ?? k}
          type="number"
          value={typed[k]}
          onValue={(x) => setTyped((t) => ({ ...t, [k]: x }))}
          error={errors[k]}
        />
      ))}
      {errors.form && <p class="field__error">{errors.form}</p>}
      <div class="rule-row__save">
        <button type="submit" class="btn btn--secondary btn--small" disabled={busy}>Save</button>
      </div>
    </form>
  );
}

/**
 * The appliance's 400 problems on the figures' fields (it names a figure by its key, or as
 * "params.key"); the rest as one line.
 */
function paramErrors(
  details: unknown,
  message: string,
  keys: string[],
): Record<string, string> {
  const problems = (details as { problems?: { field?: unknown; problem?: unknown }[] })?.problems;
  const out: Record<string, string> = {};
  for (const p of Array.isArray(problems) ? problems : []) {
    if (typeof p.field !== "string" || typeof p.problem !== "string") continue;
    const key = p.field.replace(/^(body\.)?params\./, "");
    out[keys.includes(key) ? key : "form"] ??= p.problem;
  }
  return Object.keys(out).length ? out : { form: message };
}
