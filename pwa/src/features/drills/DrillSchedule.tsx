/**
 * A host's drill schedule, inside its "last verified restore" card: what it is in a line, its
 * next run, why the last attempt started nothing (an offline host, no indexed snapshot), and for
 * operators its editor. The editor reuses the schedule editor's rule fields and live preview.
 */
import { useMemo, useState } from "preact/hooks";
import type { DrillScheduleView } from "../../../../server/contract/drills.ts";
import { ApiError } from "../../api/client.ts";
import { createSchedulesApi } from "../../api/schedules_api.ts";
import { SelectField } from "../../components/Field.tsx";
import { formatAgo, formatTime } from "../../components/format.ts";
import { Notice } from "../../components/Notice.tsx";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { errorMessage } from "../common/use_action.ts";
import { createHostsApi } from "../hosts/hosts_api.ts";
import { Checkbox, TextField } from "../plans/form_parts.tsx";
import { useEditorForm } from "../schedules/use_editor_form.ts";
import { serverFieldErrors } from "../schedules/schedule_form.ts";
import { RuleFields } from "../schedules/ScheduleFields.tsx";
import { SchedulePreview } from "../schedules/SchedulePreview.tsx";
import { timeZones, viewerZone } from "../schedules/schedule_words.ts";
import {
  checkDrillCreate,
  checkDrillUpdate,
  drillFormFrom,
  type DrillScheduleForm,
  emptyDrillForm,
} from "./drill_schedule_form.ts";
import { createDrillSchedulesApi } from "./drill_schedules_api.ts";

export function DrillSchedule({ hostId }: { hostId: string }) {
  const { api, session } = useStores();
  const drills = useMemo(() => createDrillSchedulesApi(api.client), [api]);
  const loaded = useLoad(() => drills.list({ hostId }));
  const [open, setOpen] = useState(false);
  const s = loaded.data?.[0] ?? null;
  return (
    <div class="schedule-row" aria-labelledby="drill-schedule-title">
      <div class="schedule-row__head">
        <div>
          <h3 id="drill-schedule-title">Drill schedule</h3>
          <p class="schedule-row__what" data-testid="drill-schedule">
            {s ? s.description : "Not scheduled"}
            {s && !s.enabled && <span class="badge">off</span>}
          </p>
          {s && (
            <p class="muted">
              {s.sampleSize} files{s.targetHostName && `, restored on ${s.targetHostName}`}
              {s.nextRuns[0] && ` · next ${formatTime(s.nextRuns[0])}`}
            </p>
          )}
          {s?.lastSkipReason && s.lastRunAt && (
            <Notice kind="warning">
              The drill due {formatAgo(s.lastRunAt)} did not run: {s.lastSkipReason}
            </Notice>
          )}
        </div>
        {session.can("operator") && !open && (
          <button
            type="button"
            class="btn btn--secondary btn--small"
            onClick={() => setOpen(true)}
          >
            {s ? "Edit drill schedule" : "Schedule drills"}
          </button>
        )}
      </div>
      {open && (
        <DrillScheduleEditor
          hostId={hostId}
          schedule={s}
          onClose={() => setOpen(false)}
          onChanged={() => void loaded.reload()}
        />
      )}
    </div>
  );
}

function DrillScheduleEditor(
  props: {
    hostId: string;
    schedule: DrillScheduleView | null;
    onClose(): void;
    onChanged(): void;
  },
) {
  const { api, toasts } = useStores();
  const drills = useMemo(() => createDrillSchedulesApi(api.client), [api]);
  const schedules = useMemo(() => createSchedulesApi(api.client), [api]);
  const hosts = useLoad(() => createHostsApi(api.client).list());
  const zones = useMemo(() => timeZones(viewerZone()), []);
  const s = props.schedule;
  const { form, set, setErrors, setPreviewErrors, busy, setBusy, shown } = useEditorForm<
    DrillScheduleForm
  >(() => s ? drillFormFrom(s) : emptyDrillForm(viewerZone()));
  const others = (hosts.data?.hosts ?? []).filter((h) =>
    h.id !== props.hostId && h.status !== "pending" && h.status !== "rejected" &&
    h.status !== "revoked"
  );

  const act = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    try {
      await what();
      toasts.success(done);
      props.onClose();
      props.onChanged();
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        const byField = serverFieldErrors(err.details);
        setErrors(Object.keys(byField).length ? byField : { form: err.message });
      } else setErrors({ form: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };
  const save = (e: Event) => {
    e.preventDefault();
    if (s) {
      const c = checkDrillUpdate(form);
      if (!c.ok) return setErrors(c.errors);
      return act(() => drills.update(s.id, c.value), "Drill schedule saved");
    }
    const c = checkDrillCreate(form, { hostId: props.hostId });
    if (!c.ok) return setErrors(c.errors);
    return act(() => drills.create(c.value), "Drill schedule saved");
  };

  return (
    <form class="schedule-editor" onSubmit={save} noValidate aria-label="Drill schedule">
      {shown.form && <Notice kind="error">{shown.form}</Notice>}
      <p class="field__hint">
        The appliance restores a random sample of the latest snapshot (and the plan's canary) into a
        scratch directory, checks it, and cleans up. A missed run is made up once.
      </p>
      <div class="schedule-editor__grid">
        <div class="form-grid">
          <RuleFields form={form} errors={shown} zones={zones} set={set} />
          <SelectField
            label="Time zone"
            value={form.timeZone}
            options={zones.map((z) => ({ value: z, label: z }))}
            onValue={(x) => set("timeZone", x)}
          />
          <TextField
            label="Files per drill"
            type="number"
            value={form.sampleSize}
            onValue={(x) => set("sampleSize", x)}
            error={shown.sampleSize}
            hint="1 to 500, picked at random each time."
          />
          <SelectField
            label="Restore on"
            value={form.targetHostId}
            options={[
              { value: "", label: "This host" },
              ...others.map((h) => ({ value: h.id, label: h.name })),
            ]}
            onValue={(x) => set("targetHostId", x)}
          />
          {shown.targetHostId && <p class="field__error">{shown.targetHostId}</p>}
          <Checkbox label="Enabled" checked={form.enabled} onValue={(x) => set("enabled", x)} />
        </div>
        <SchedulePreview form={form} api={schedules} onProblems={setPreviewErrors} />
      </div>
      <div class="button-row">
        <button type="submit" class="btn btn--primary" disabled={busy}>Save drill schedule</button>
        <button type="button" class="btn btn--ghost" onClick={props.onClose}>Cancel</button>
        {s && (
          <button
            type="button"
            class="btn btn--danger"
            disabled={busy}
            onClick={() => act(() => drills.remove(s.id), "Drill schedule removed")}
          >
            Remove
          </button>
        )}
      </div>
    </form>
  );
}
