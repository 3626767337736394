/**
 * Cron expressions as Cairn's schedules use them: a rule becomes one five-field expression,
 * checked (cron-schedule parses the fields) and put in plain words. Shared by the appliance, the
 * agents and the PWA; pure. When an expression runs, in an IANA zone, is schedule_time.ts.
 */
import { parseCronExpression } from "cron-schedule";
import type { ScheduleRule } from "./schedules.ts";

/** A cron expression or zone Cairn cannot run; the message is plain words, never the input. */
export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScheduleError";
  }
}

/** A parsed five-field expression. Sets are arrays of booleans indexed by value. */
export interface ParsedCron {
  /** The normalized expression (nicknames expanded, single spaces). */
  expression: string;
  minutes: number[];
  hours: number[];
  days: boolean[];
  months: boolean[];
  weekdays: boolean[];
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
  /** The hour field is `*` or `*\/n`: runs follow the real clock across DST changes. */
  hourWildcard: boolean;
}

const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
const FIELD_NAMES = ["minute", "hour", "day-of-month", "month", "day-of-week"];
const FIELD_HELP = ["0-59", "0-23", "1-31", "1-12 or jan-dec", "0-7 or sun-sat"];
/** Items: `*` or a range (either with an optional step), or a single value; lists join items. */
const VALUE = String.raw`(?:\d{1,2}|[a-z]{3})`;
const ITEM = String.raw`(?:(?:\*|${VALUE}-${VALUE})(?:/\d{1,2})?|${VALUE})`;
const FIELD_SYNTAX = new RegExp(`^${ITEM}(?:,${ITEM})*$`, "i");
const parsedCache = new Map<string, ParsedCron>();

/** Parses a five-field cron expression (minute first) or throws a ScheduleError saying why. */
export function parseCron(expr: string): ParsedCron {
  const hit = parsedCache.get(expr);
  if (hit) return hit;
  const parsed = parseUncached(expr);
  if (parsedCache.size > 10_000) parsedCache.clear();
  parsedCache.set(expr, parsed);
  return parsed;
}

function parseUncached(expr: string): ParsedCron {
  if (typeof expr !== "string" || expr.length > 200) {
    throw new ScheduleError("A cron expression is a text of at most 200 characters");
  }
  const trimmed = expr.trim().replace(/\s+/g, " ");
  const expression = NICKNAMES[trimmed.toLowerCase()] ?? trimmed;
  const fields = expression.split(" ");
  if (fields.length !== 5 || fields[0] === "") {
    throw new ScheduleError(
      "A cron expression has five fields: minute, hour, day of month, month, day of week " +
        "(seconds are not supported)",
    );
  }
  fields.forEach((field, i) => {
    const probe = ["*", "*", "*", "*", "*"];
    probe[i] = field;
    try {
      if (!FIELD_SYNTAX.test(field)) throw new Error("syntax");
      parseCronExpression(probe.join(" "));
    } catch {
      throw new ScheduleError(
        `The ${FIELD_NAMES[i]} field is not valid (${FIELD_HELP[i]}, with lists, ranges ` +
          "and steps such as */2)",
      );
    }
  });
  const cron = parseCronExpression(expression);
  const parsed: ParsedCron = {
    expression,
    minutes: [...cron.minutes],
    hours: [...cron.hours],
    days: flags(cron.days, 32),
    months: flags(cron.months.map((m) => m + 1), 13),
    weekdays: flags(cron.weekdays, 7),
    daysRestricted: cron.days.length !== 31,
    weekdaysRestricted: cron.weekdays.length !== 7,
    hourWildcard: fields[1].startsWith("*"),
  };
  if (!canEverRun(parsed)) {
    throw new ScheduleError("This expression names a day that never comes (such as 30 February)");
  }
  return parsed;
}

function flags(values: ReadonlyArray<number>, size: number): boolean[] {
  const out = new Array<boolean>(size).fill(false);
  for (const x of values) out[x] = true;
  return out;
}

const MONTH_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function canEverRun(p: ParsedCron): boolean {
  if (p.weekdaysRestricted) return true; // with weekdays restricted a weekday match is enough
  for (let m = 1; m <= 12; m++) {
    if (!p.months[m]) continue;
    for (let d = 1; d <= MONTH_DAYS[m]; d++) if (p.days[d]) return true;
  }
  return false;
}

/** The cron expression a rule stands for (what agents run). Throws ScheduleError for bad cron. */
export function ruleToCron(rule: ScheduleRule): string {
  switch (rule.type) {
    case "hourly":
      return `${rule.minute} * * * *`;
    case "every":
      if (rule.hours === 1) return `${rule.minute} * * * *`;
      if (rule.hours === 24) return `${rule.minute} 0 * * *`;
      return `${rule.minute} */${rule.hours} * * *`;
    case "daily":
      return `${wall(rule.at).minute} ${wall(rule.at).hour} * * *`;
    case "weekly": {
      const days = [...new Set(rule.days)].sort((a, b) => a - b).join(",");
      return `${wall(rule.at).minute} ${wall(rule.at).hour} * * ${days}`;
    }
    case "monthly":
      return `${wall(rule.at).minute} ${wall(rule.at).hour} ${rule.day} * *`;
    case "cron":
      return parseCron(rule.expression).expression;
  }
}

function wall(at: string): { hour: number; minute: number } {
  const [h, m] = at.split(":").map(Number);
  return { hour: h, minute: m };
}

const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Plain words for a rule: "Every day at 02:30 (Europe/Berlin)". */
export function describeRule(rule: ScheduleRule, timeZone: string): string {
  switch (rule.type) {
    case "hourly":
      return `Every hour at :${pad(rule.minute)}`;
    case "every":
      return rule.hours === 1
        ? `Every hour at :${pad(rule.minute)}`
        : `Every ${rule.hours} hours at :${pad(rule.minute)}`;
    case "daily":
      return `Every day at ${rule.at} (${timeZone})`;
    case "weekly":
      return `${describeDays(rule.days)} at ${rule.at} (${timeZone})`;
    case "monthly":
      return `On day ${rule.day} of each month at ${rule.at} (${timeZone})` +
        (rule.day > 28 ? ", skipped in months without that day" : "");
    case "cron":
      return describeCron(parseCron(rule.expression), timeZone);
  }
}

function describeDays(list: ReadonlyArray<number>): string {
  const days = [...new Set(list.map((d) => d % 7))].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7));
  if (days.length === 7) return "Every day";
  if (days.join() === "1,2,3,4,5") return "Weekdays (Monday to Friday)";
  if (days.join() === "6,0") return "Saturdays and Sundays";
  const names = days.map((d) => `${DAY_NAMES[d]}s`);
  return names.length === 1
    ? names[0]
    : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

function describeCron(p: ParsedCron, timeZone: string): string {
  const f = p.expression.split(" ");
  const single = (s: string) => /^\d+$/.test(s);
  const anyDay = f[2] === "*" && f[3] === "*";
  if (single(f[0]) && single(f[1]) && anyDay) {
    const at = `${pad(Number(f[1]))}:${pad(Number(f[0]))}`;
    if (f[4] === "*") return `Every day at ${at} (${timeZone})`;
    const days = p.weekdays.flatMap((on, d) => (on ? [d] : []));
    return `${describeDays(days)} at ${at} (${timeZone})`;
  }
  if (single(f[0]) && f[1] === "*" && anyDay && f[4] === "*") {
    return `Every hour at :${pad(Number(f[0]))}`;
  }
  if (single(f[0]) && /^\*\/\d+$/.test(f[1]) && anyDay && f[4] === "*") {
    return `Every ${f[1].slice(2)} hours at :${pad(Number(f[0]))} (${timeZone})`;
  }
  return `Custom: ${p.expression} (${timeZone})`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}
