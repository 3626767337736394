/**
 * One schedule of a plan (one kind: backup, forget, prune, check or compact): what it is now in a
 * line, and, when opened, its editor checked by field with the contract's rules, with the live
 * preview beside it. A kind without a schedule offers "Add schedule".
 */
import { useState } from "preact/hooks";
import type { ScheduleKind, ScheduleView } from "../../../../server/contract/schedules.ts";
import { ApiError } from "../../api/client.ts";
import type { SchedulesApi } from "../../api/schedules_api.ts";
import { formatTime } from "../../components/format.ts";
import { Notice } from "../../components/Notice.tsx";
import { useStores } from "../../state/stores.ts";
import { errorMessage } from "../common/use_action.ts";
import {
  checkCreate,
  checkUpdate,
  emptyScheduleForm,
  KIND_WORDS,
  scheduleFormFrom,
  serverFieldErrors,
} from "./schedule_form.ts";
import type { ScheduleForm } from "./schedule_form.ts";
import { useEditorForm } from "./use_editor_form.ts";
import { RuleFields, WhenFields } from "./ScheduleFields.tsx";
import { SchedulePreview } from "./SchedulePreview.tsx";
import { viewerZone } from "./schedule_words.ts";

export function ScheduleRow(props: {
  planId: string;
  kind: ScheduleKind;
  schedule: ScheduleView | null;
  zones: string[];
  canEdit: boolean;
  api: SchedulesApi;
  onChanged(): void;
}) {
  const [open, setOpen] = useState(false);
  const s = props.schedule;
  const words = KIND_WORDS[props.kind];
  return (
    <section class="schedule-row" data-kind={props.kind} aria-labelledby={`sch-${props.kind}`}>
      <div class="schedule-row__head">
        <div>
          <h3 id={`sch-${props.kind}`}>{words.title}</h3>
          <p class="schedule-row__what" data-testid={`schedule-${props.kind}`}>
            {s ? s.description : "Not scheduled"}
            {s && !s.enabled && <span class="badge">off</span>}
          </p>
          {s && s.nextRuns[0] && <p class="muted">Next: {formatTime(s.nextRuns[0])}</p>}
          {s?.lastRun && (
            <p class="muted">
              Last: <a href={`/jobs/${encodeURIComponent(s.lastRun.jobId)}`}>{s.lastRun.status}</a>,
              {" "}
              {formatTime(s.lastRun.at)}
            </p>
          )}
        </div>
        {props.canEdit && !open && (
          <button
            type="button"
            class="btn btn--secondary btn--small"
            onClick={() => setOpen(true)}
          >
            {s
              ? `Edit ${words.title.toLowerCase()} schedule`
              : `Add ${words.title.toLowerCase()} schedule`}
          </button>
        )}
      </div>
      {open && <ScheduleEditor {...props} onClose={() => setOpen(false)} />}
    </section>
  );
}

function ScheduleEditor(
  props: Parameters<typeof ScheduleRow>[0] & { onClose(): void },
) {
  const { toasts } = useStores();
  const s = props.schedule;
  const { form, set, setErrors, setPreviewErrors, busy, setBusy, shown } = useEditorForm<
    ScheduleForm
  >(() => s ? scheduleFormFrom(s) : emptyScheduleForm(props.kind, viewerZone()));

  const save = async (e: Event) => {
    e.preventDefault();
    const checked = s
      ? checkUpdate(form)
      : checkCreate(form, { planId: props.planId, kind: props.kind });
    if (!checked.ok) return setErrors(checked.errors);
    setBusy(true);
    try {
      if (s) await props.api.update(s.id, checked.value);
      else await props.api.create(checked.value as Parameters<SchedulesApi["create"]>[0]);
      toasts.success(`${KIND_WORDS[props.kind].title} schedule saved`);
      props.onClose();
      props.onChanged();
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        const byField = serverFieldErrors(err.details);
        setErrors(Object.keys(byField).length ? byField : { form: err.message });
      } else toasts.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!s) return;
    setBusy(true);
    try {
      await props.api.remove(s.id);
      toasts.success(`${KIND_WORDS[props.kind].title} schedule removed`);
      props.onClose();
      props.onChanged();
    } catch (err) {
      toasts.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="schedule-editor"
      onSubmit={save}
      noValidate
      aria-label={`${KIND_WORDS[props.kind].title} schedule`}
    >
      {shown.form && <Notice kind="error">{shown.form}</Notice>}
      <p class="field__hint">{KIND_WORDS[props.kind].hint}</p>
      <div class="schedule-editor__grid">
        <div class="form-grid">
          <RuleFields form={form} errors={shown} zones={props.zones} set={set} />
          <WhenFields form={form} errors={shown} zones={props.zones} set={set} />
        </div>
        <SchedulePreview form={form} api={props.api} onProblems={setPreviewErrors} />
      </div>
      <div class="button-row">
        <button type="submit" class="btn btn--primary" disabled={busy}>Save schedule</button>
        <button type="button" class="btn btn--ghost" onClick={props.onClose}>Cancel</button>
        {s && (
          <button type="button" class="btn btn--danger" disabled={busy} onClick={remove}>
            Remove schedule
          </button>
        )}
      </div>
    </form>
  );
}
