/**
 * The plan editor's form: strings as typed, turned into the contract's CreatePlan / UpdatePlan
 * and checked with the contract's own valibot schemas, so the editor shows the same rules the
 * appliance enforces, by field, before anything is sent. The appliance's 400 details map onto
 * the same fields.
 */
import * as v from "valibot";
import type { CreatePlan, PlanView, UpdatePlan } from "../../../../server/contract/backups.ts";
import { CreatePlanSchema, UpdatePlanSchema } from "../../../../server/contract/backups.ts";
import type { Engine } from "../../../../server/contract/jobs.ts";
import type { FieldErrors } from "./form_parts.tsx";

export const RETENTION_KEYS = ["last", "hourly", "daily", "weekly", "monthly", "yearly"] as const;

export interface PlanForm {
  name: string;
  repositoryId: string;
  targetType: "host" | "tag";
  hostId: string;
  tag: string;
  sources: string;
  excludes: string;
  excludeIfPresent: string;
  oneFileSystem: boolean;
  compression: string;
  tags: string;
  uploadKiB: string;
  downloadKiB: string;
  retention: Record<(typeof RETENTION_KEYS)[number] | "within", string>;
  hooksPre: string;
  hooksPost: string;
  /** Editing a plan whose hooks are set: true once the admin chose to replace them. */
  replaceHooks: boolean;
  enabled: boolean;
}

export function emptyPlanForm(defaults: { repositoryId?: string; hostId?: string } = {}): PlanForm {
  return {
    name: "",
    repositoryId: defaults.repositoryId ?? "",
    targetType: "host",
    hostId: defaults.hostId ?? "",
    tag: "",
    sources: "",
    excludes: "",
    excludeIfPresent: "",
    oneFileSystem: false,
    compression: "",
    tags: "",
    uploadKiB: "",
    downloadKiB: "",
    retention: {
      last: "",
      hourly: "",
      daily: "7",
      weekly: "4",
      monthly: "6",
      yearly: "",
      within: "",
    },
    hooksPre: "",
    hooksPost: "",
    replaceHooks: false,
    enabled: true,
  };
}

const str = (n: number | undefined) => (n === undefined ? "" : String(n));

export function planFormFrom(p: PlanView): PlanForm {
  const r = p.retention;
  return {
    name: p.name,
    repositoryId: p.repositoryId,
    targetType: p.target.type,
    hostId: p.target.type === "host" ? p.target.hostId : "",
    tag: p.target.type === "tag" ? p.target.tag : "",
    sources: p.sources.join("\n"),
    excludes: p.excludes.join("\n"),
    excludeIfPresent: p.excludeIfPresent.join("\n"),
    oneFileSystem: p.oneFileSystem,
    compression: p.compression ?? "",
    tags: p.tags.join(" "),
    uploadKiB: str(p.limits.uploadKiB),
    downloadKiB: str(p.limits.downloadKiB),
    retention: {
      last: str(r.last),
      hourly: str(r.hourly),
      daily: str(r.daily),
      weekly: str(r.weekly),
      monthly: str(r.monthly),
      yearly: str(r.yearly),
      within: r.within ?? "",
    },
    hooksPre: "",
    hooksPost: "",
    replaceHooks: false,
    enabled: p.enabled,
  };
}

const lines = (s: string) => s.split("\n").map((l) => l.trim()).filter(Boolean);
/** "" → absent; anything else a number (NaN when not one, which the schema rejects). */
const num = (s: string) => (s.trim() === "" ? undefined : Number(s.trim()));

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;
}

export interface BodyContext {
  engine: Engine | null;
  isAdmin: boolean;
  /** The plan being edited, or null when creating. */
  editing: PlanView | null;
}

/** The request body the form stands for. */
export function planBody(f: PlanForm, ctx: BodyContext): Record<string, unknown> {
  const retention = defined({
    ...Object.fromEntries(RETENTION_KEYS.map((k) => [k, num(f.retention[k])])),
    within: f.retention.within.trim() || undefined,
  });
  const body: Record<string, unknown> = {
    name: f.name,
    repositoryId: f.repositoryId,
    target: f.targetType === "host"
      ? { type: "host", hostId: f.hostId }
      : { type: "tag", tag: f.tag.trim() },
    sources: lines(f.sources),
    excludes: lines(f.excludes),
    excludeIfPresent: lines(f.excludeIfPresent),
    oneFileSystem: f.oneFileSystem,
    tags: f.tags.split(/[\s,]+/).filter(Boolean),
    limits: defined({ uploadKiB: num(f.uploadKiB), downloadKiB: num(f.downloadKiB) }),
    retention,
    enabled: f.enabled,
  };
  if (ctx.engine === "borg") body.compression = f.compression.trim() || null;
  else if (ctx.editing?.compression) body.compression = null;
  const hooks = hooksBody(f, ctx);
  if (hooks !== undefined) body.hooks = hooks;
  return body;
}

/** undefined: leave the hooks as they are; null: remove them. Only admins send any. */
function hooksBody(f: PlanForm, ctx: BodyContext): Record<string, string> | null | undefined {
  if (!ctx.isAdmin) return undefined;
  const set = ctx.editing !== null && (ctx.editing.hooks.pre || ctx.editing.hooks.post);
  if (set && !f.replaceHooks) return undefined;
  const h = defined({ pre: f.hooksPre.trim() || undefined, post: f.hooksPost.trim() || undefined });
  if (Object.keys(h).length > 0) return h as Record<string, string>;
  return set ? null : undefined;
}

/** Which form field a problem at `path` belongs to ("sources.2" → "sources"). */
export function fieldOf(path: ReadonlyArray<string | number>): string {
  const keys = path.map(String);
  if (keys[0] === "retention" || keys[0] === "limits" || keys[0] === "hooks") {
    return keys.slice(0, 2).join(".");
  }
  return keys[0] ?? "form";
}

function add(errors: FieldErrors, path: ReadonlyArray<string | number>, problem: string) {
  const field = fieldOf(path);
  const index = path.length > 1 && /^\d+$/.test(String(path[1])) && field !== "target"
    ? `${field === "tags" ? "tag" : "line"} ${Number(path[1]) + 1}: `
    : "";
  errors[field] ??= index + problem;
}

/** The contract's verdict on the body, by field; empty when it passes. */
export function checkPlan(
  body: Record<string, unknown>,
  editing: boolean,
): { ok: true; value: CreatePlan | UpdatePlan } | { ok: false; errors: FieldErrors } {
  const r = editing ? v.safeParse(UpdatePlanSchema, body) : v.safeParse(CreatePlanSchema, body);
  if (r.success) return { ok: true, value: r.output };
  const errors: FieldErrors = {};
  for (const issue of r.issues) {
    const path = (issue.path ?? []).map((p) => p.key as string | number);
    const missing = issue.kind === "schema" && issue.received === "undefined";
    add(errors, path, missing ? "is required" : issue.message);
  }
  return { ok: false, errors };
}

/** The appliance's 400 details (`{ problems: [{ field, problem }] }`) by form field. */
export function serverFieldErrors(details: unknown): FieldErrors {
  const problems = (details as { problems?: unknown })?.problems;
  const errors: FieldErrors = {};
  if (!Array.isArray(problems)) return errors;
  for (const p of problems) {
    if (typeof p?.field !== "string" || typeof p?.problem !== "string") continue;
    add(errors, p.field === "body" ? [] : p.field.split("."), p.problem);
  }
  return errors;
}
