/**
 * The schedule editor's form: what was typed, as strings, turned into the contract's rule and
 * create/update bodies and checked with the contract's own valibot schemas, so the editor shows
 * the appliance's rules by field before anything is sent. The appliance's 400 details map onto
 * the same fields. Pure, so it is tested without a browser.
 */
import * as v from "valibot";
import type {
  CatchUp,
  CreateSchedule,
  ScheduleKind,
  ScheduleRule,
  ScheduleView,
  UpdateSchedule,
} from "../../../../server/contract/schedules.ts";
import {
  CreateScheduleSchema,
  isTimeZone,
  ScheduleRuleSchema,
  UpdateScheduleSchema,
} from "../../../../server/contract/schedules.ts";

export type Preset = ScheduleRule["type"];
export type FieldErrors = Record<string, string>;

export const PRESETS: readonly { value: Preset; label: string }[] = [
  { value: "hourly", label: "Every hour" },
  { value: "every", label: "Every few hours" },
  { value: "daily", label: "Every day" },
  { value: "weekly", label: "On days of the week" },
  { value: "monthly", label: "Once a month" },
  { value: "cron", label: "Custom (cron)" },
];

export const KIND_WORDS: Record<ScheduleKind, { title: string; hint: string }> = {
  backup: { title: "Backup", hint: "Runs on every host of the plan." },
  forget: { title: "Forget", hint: "Applies the plan's retention on every host." },
  prune: { title: "Prune", hint: "Frees space in the repository; runs on one host." },
  check: { title: "Check", hint: "Verifies the repository; runs on one host." },
  compact: { title: "Compact", hint: "Borg: reclaims space; runs on one host." },
};

/** Sunday first, as the contract numbers them (0 = Sunday). */
export const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

export interface ScheduleForm {
  preset: Preset;
  minute: string;
  hours: string;
  at: string;
  days: number[];
  day: string;
  expression: string;
  timeZone: string;
  jitter: string;
  catchUp: CatchUp;
  enabled: boolean;
}

/** Sensible starting points per kind: backups nightly, maintenance weekly or monthly. */
const DEFAULT_RULE: Record<ScheduleKind, ScheduleRule> = {
  backup: { type: "daily", at: "02:30" },
  forget: { type: "daily", at: "04:00" },
  prune: { type: "weekly", days: [0], at: "05:00" },
  check: { type: "monthly", day: 1, at: "05:30" },
  compact: { type: "monthly", day: 15, at: "05:30" },
};

/** The form with a rule's fields filled in (the other presets keep theirs). */
export function withRule(base: ScheduleForm, rule: ScheduleRule): ScheduleForm {
  const f = { ...base, preset: rule.type };
  switch (rule.type) {
    case "hourly":
      return { ...f, minute: String(rule.minute) };
    case "every":
      return { ...f, hours: String(rule.hours), minute: String(rule.minute) };
    case "daily":
      return { ...f, at: rule.at };
    case "weekly":
      return { ...f, days: [...rule.days], at: rule.at };
    case "monthly":
      return { ...f, day: String(rule.day), at: rule.at };
    case "cron":
      return { ...f, expression: rule.expression };
  }
}

export function emptyScheduleForm(kind: ScheduleKind, timeZone: string): ScheduleForm {
  const base: ScheduleForm = {
    preset: "daily",
    minute: "0",
    hours: "6",
    at: "02:30",
    days: [1, 2, 3, 4, 5],
    day: "1",
    expression: "30 2 * * *",
    timeZone,
    jitter: "0",
    catchUp: "once",
    enabled: true,
  };
  return withRule(base, DEFAULT_RULE[kind]);
}

export function scheduleFormFrom(s: ScheduleView): ScheduleForm {
  const base = emptyScheduleForm(s.kind, s.timeZone);
  return {
    ...withRule(base, s.rule),
    jitter: String(s.jitterMinutes),
    catchUp: s.catchUp,
    enabled: s.enabled,
  };
}

/** A typed number as the contract should judge it: "" and "seven" stay strings. */
function num(s: string): number | string {
  const t = s.trim();
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

/** The rule the form describes, unchecked (the contract's schema judges it). */
export function ruleOf(f: ScheduleForm): Record<string, unknown> {
  switch (f.preset) {
    case "hourly":
      return { type: "hourly", minute: num(f.minute) };
    case "every":
      return { type: "every", hours: num(f.hours), minute: num(f.minute) };
    case "daily":
      return { type: "daily", at: f.at.trim() };
    case "weekly":
      return { type: "weekly", days: [...f.days].sort((a, b) => a - b), at: f.at.trim() };
    case "monthly":
      return { type: "monthly", day: num(f.day), at: f.at.trim() };
    case "cron":
      return { type: "cron", expression: f.expression.trim().replace(/\s+/g, " ") };
  }
}

/** The form field a problem at `path` belongs to ("rule.minute" → "minute"). */
export function fieldOf(path: ReadonlyArray<string | number>): string {
  const keys = path.map(String);
  if (keys[0] === "rule") return keys[1] && keys[1] !== "type" ? keys[1] : "rule";
  if (keys[0] === "jitterMinutes") return "jitter";
  return keys[0] ?? "form";
}

function issuesToErrors(issues: ReadonlyArray<v.BaseIssue<unknown>>): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const path = (issue.path ?? []).map((p) => p.key as string | number);
    const missing = issue.kind === "schema" && issue.received === "undefined";
    errors[fieldOf(path)] ??= missing ? "is required" : issue.message;
  }
  return errors;
}

/** Just the rule and zone, for the live preview: null while either does not pass. */
export function previewBody(
  f: ScheduleForm,
): { rule: ScheduleRule; timeZone: string } | null {
  const r = v.safeParse(ScheduleRuleSchema, ruleOf(f));
  if (!r.success || !isTimeZone(f.timeZone)) return null;
  return { rule: r.output, timeZone: f.timeZone };
}

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

/** The fields create and update share, as the contract should judge them. */
function fieldsOf(f: ScheduleForm) {
  return {
    rule: ruleOf(f),
    timeZone: f.timeZone,
    jitterMinutes: num(f.jitter),
    catchUp: f.catchUp,
    enabled: f.enabled,
  };
}

function check<T>(schema: v.GenericSchema<unknown, T>, body: unknown): Checked<T> {
  const r = v.safeParse(schema, body);
  return r.success
    ? { ok: true, value: r.output }
    : { ok: false, errors: issuesToErrors(r.issues) };
}

export function checkCreate(
  f: ScheduleForm,
  ctx: { planId: string; kind: ScheduleKind },
): Checked<CreateSchedule> {
  return check(CreateScheduleSchema, { planId: ctx.planId, kind: ctx.kind, ...fieldsOf(f) });
}

export function checkUpdate(f: ScheduleForm): Checked<UpdateSchedule> {
  return check(UpdateScheduleSchema, fieldsOf(f));
}

/** The appliance's 400 details (`{ problems: [{ field, problem }] }`) by form field. */
export function serverFieldErrors(details: unknown): FieldErrors {
  const problems = (details as { problems?: unknown })?.problems;
  const errors: FieldErrors = {};
  if (!Array.isArray(problems)) return errors;
  for (const p of problems) {
    if (typeof p?.field !== "string" || typeof p?.problem !== "string") continue;
    errors[fieldOf(p.field === "body" ? [] : p.field.split("."))] ??= p.problem;
  }
  return errors;
}
