/** The fields of one schedule rule: the preset picker and what that preset asks for. */
import { useId } from "preact/hooks";
import { SelectField } from "../../components/Field.tsx";
import { Checkbox, Segmented, TextField } from "../plans/form_parts.tsx";
import { DAYS, PRESETS } from "./schedule_form.ts";
import type { FieldErrors, ScheduleForm } from "./schedule_form.ts";

export interface FieldsProps {
  form: ScheduleForm;
  errors: FieldErrors;
  zones: string[];
  set<K extends keyof ScheduleForm>(key: K, value: ScheduleForm[K]): void;
}

export function RuleFields({ form, errors, set }: FieldsProps) {
  const minute = (
    <TextField
      label="Minute past the hour"
      type="number"
      value={form.minute}
      onValue={(x) => set("minute", x)}
      error={errors.minute}
    />
  );
  const at = (
    <TextField
      label="At (HH:MM)"
      value={form.at}
      placeholder="02:30"
      onValue={(x) => set("at", x)}
      error={errors.at}
    />
  );
  return (
    <>
      <SelectField
        label="Repeat"
        value={form.preset}
        options={PRESETS}
        onValue={(x) => set("preset", x)}
      />
      {form.preset === "hourly" && minute}
      {form.preset === "every" && (
        <>
          <TextField
            label="Every … hours"
            type="number"
            value={form.hours}
            onValue={(x) => set("hours", x)}
            error={errors.hours}
            hint="1, 2, 3, 4, 6, 8, 12 or 24"
          />
          {minute}
        </>
      )}
      {form.preset === "daily" && at}
      {form.preset === "weekly" && (
        <>
          <DayPicks form={form} error={errors.days} set={set} />
          {at}
        </>
      )}
      {form.preset === "monthly" && (
        <>
          <TextField
            label="Day of the month"
            type="number"
            value={form.day}
            onValue={(x) => set("day", x)}
            error={errors.day}
            hint="29 to 31 run only in months that have the day."
          />
          {at}
        </>
      )}
      {form.preset === "cron" && (
        <TextField
          label="Cron expression"
          mono
          value={form.expression}
          placeholder="30 2 * * *"
          onValue={(x) => set("expression", x)}
          error={errors.expression ?? errors.rule}
          hint="Five fields: minute, hour, day of month, month, day of week."
        />
      )}
    </>
  );
}

function DayPicks(
  props: {
    form: ScheduleForm;
    error?: string;
    set<K extends keyof ScheduleForm>(key: K, value: ScheduleForm[K]): void;
  },
) {
  const id = useId();
  const toggle = (d: number, on: boolean) =>
    props.set("days", on ? [...props.form.days, d] : props.form.days.filter((x) => x !== d));
  return (
    <fieldset
      class={props.error ? "day-picks field--invalid" : "day-picks"}
      aria-describedby={props.error ? `${id}-err` : undefined}
    >
      <legend>Days</legend>
      {DAYS.map((name, d) => (
        <Checkbox
          key={name}
          label={name}
          checked={props.form.days.includes(d)}
          onValue={(on) => toggle(d, on)}
        />
      ))}
      {props.error && <p class="field__error" id={`${id}-err`}>{props.error}</p>}
    </fieldset>
  );
}

export function WhenFields({ form, errors, zones, set }: FieldsProps) {
  const listId = useId();
  return (
    <>
      <div class={errors.timeZone ? "field field--invalid" : "field"}>
        <label for={`${listId}-tz`}>Time zone</label>
        <input
          id={`${listId}-tz`}
          type="text"
          list={listId}
          value={form.timeZone}
          autoComplete="off"
          spellcheck={false}
          aria-invalid={errors.timeZone ? true : undefined}
          aria-describedby={errors.timeZone ? `${listId}-tzerr` : undefined}
          onInput={(e) => set("timeZone", (e.currentTarget as HTMLInputElement).value)}
        />
        <datalist id={listId}>
          {zones.map((z) => <option key={z} value={z} />)}
        </datalist>
        {errors.timeZone && <p class="field__error" id={`${listId}-tzerr`}>{errors.timeZone}</p>}
      </div>
      <TextField
        label="Jitter (minutes)"
        type="number"
        value={form.jitter}
        onValue={(x) => set("jitter", x)}
        error={errors.jitter}
        hint="Each host starts up to this much later, to stagger a fleet."
      />
      <Segmented
        legend="Runs missed while the host was off"
        name={`${listId}-catchup`}
        value={form.catchUp}
        options={[
          { value: "once", label: "Run once" },
          { value: "skip", label: "Skip" },
        ]}
        onValue={(x) => set("catchUp", x)}
      />
      <Checkbox label="Enabled" checked={form.enabled} onValue={(x) => set("enabled", x)} />
    </>
  );
}
