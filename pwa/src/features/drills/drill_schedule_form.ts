/**
 * The drill schedule form: the schedule editor's rule fields (schedule_form.ts) plus the zone, a
 * sample size, the host that restores, and on/off; checked with the contract's own schemas so
 * the browser says what the appliance would.
 */
import * as v from "valibot";
import {
  CreateDrillScheduleSchema,
  DEFAULT_DRILL_SAMPLE,
  type DrillScheduleView,
  UpdateDrillScheduleSchema,
} from "../../../../server/contract/drills.ts";
import type {
  CreateDrillSchedule,
  UpdateDrillSchedule,
} from "../../../../server/contract/drills.ts";
import { emptyScheduleForm, fieldOf, ruleOf, withRule } from "../schedules/schedule_form.ts";
import type { Checked, FieldErrors, ScheduleForm } from "../schedules/schedule_form.ts";

export interface DrillScheduleForm extends ScheduleForm {
  sampleSize: string;
  /** "" = the host itself. */
  targetHostId: string;
}

/** Weekly on Sunday at 04:00: after the nightly backups, before the week's work. */
export function emptyDrillForm(timeZone: string): DrillScheduleForm {
  const base = withRule(emptyScheduleForm("backup", timeZone), {
    type: "weekly",
    days: [0],
    at: "04:00",
  });
  return { ...base, sampleSize: String(DEFAULT_DRILL_SAMPLE), targetHostId: "" };
}

export function drillFormFrom(s: DrillScheduleView): DrillScheduleForm {
  const base = withRule(emptyDrillForm(s.timeZone), s.rule);
  return {
    ...base,
    enabled: s.enabled,
    sampleSize: String(s.sampleSize),
    targetHostId: s.targetHostId ?? "",
  };
}

const num = (s: string): number | string => /^\d+$/.test(s.trim()) ? Number(s.trim()) : s;

function errorsOf(issues: ReadonlyArray<v.BaseIssue<unknown>>): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const path = (issue.path ?? []).map((p) => p.key as string | number);
    errors[path.length ? fieldOf(path) : "form"] ??= issue.message;
  }
  return errors;
}

function fields(f: DrillScheduleForm) {
  return {
    rule: ruleOf(f),
    timeZone: f.timeZone,
    sampleSize: num(f.sampleSize),
    targetHostId: f.targetHostId || null,
    enabled: f.enabled,
  };
}

export function checkDrillCreate(
  f: DrillScheduleForm,
  scope: { hostId: string } | { planId: string },
): Checked<CreateDrillSchedule> {
  const r = v.safeParse(CreateDrillScheduleSchema, { ...scope, ...fields(f) });
  return r.success ? { ok: true, value: r.output } : { ok: false, errors: errorsOf(r.issues) };
}

export function checkDrillUpdate(f: DrillScheduleForm): Checked<UpdateDrillSchedule> {
  const r = v.safeParse(UpdateDrillScheduleSchema, fields(f));
  return r.success ? { ok: true, value: r.output } : { ok: false, errors: errorsOf(r.issues) };
}
