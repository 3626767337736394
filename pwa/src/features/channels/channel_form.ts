/**
 * The channel editor's form: fields per kind as server/contract/notify.ts defines them, typed as
 * strings, turned into the create or update body and checked with the contract's own schemas.
 * Secrets are write-only: an empty secret field on an edit keeps what is stored ("set").
 */
import * as v from "valibot";
import type { AlertRule, AlertSeverity } from "../../../../server/contract/alerts.ts";
import type {
  ChannelEvent,
  ChannelKind,
  ChannelView,
  CreateChannel,
  UpdateChannel,
} from "../../../../server/contract/notify.ts";
import {
  CHANNEL_SCHEMAS,
  CreateChannelSchema,
  UpdateChannelSchema,
} from "../../../../server/contract/notify.ts";

export type FieldErrors = Record<string, string>;

export interface FieldDef {
  key: string;
  label: string;
  secret?: boolean;
  kind?: "text" | "number" | "list" | "secure";
  hint?: string;
  placeholder?: string;
}

export const KIND_LABEL: Record<ChannelKind, string> = {
  ntfy: "ntfy",
  webhook: "Webhook",
  smtp: "Email (SMTP)",
  gotify: "Gotify",
  discord: "Discord",
  slack: "Slack",
};

export const FIELDS: Record<ChannelKind, FieldDef[]> = {
  ntfy: [
    { key: "server", label: "Server", placeholder: "https://ntfy.sh" },
    {
      key: "topic",
      label: "Topic",
      hint: "Letters, digits, _ or -; anyone who knows it can read.",
    },
    { key: "priority", label: "Priority (1–5)", kind: "number", hint: "Empty: by severity." },
    { key: "token", label: "Access token", secret: true, hint: "Only for a protected topic." },
  ],
  webhook: [
    { key: "url", label: "URL", placeholder: "https://example.com/hooks/cairn" },
    {
      key: "hmacSecret",
      label: "Signing secret",
      secret: true,
      hint: "Adds X-Cairn-Signature: sha256=<HMAC of the body>.",
    },
  ],
  smtp: [
    { key: "host", label: "SMTP server", placeholder: "mail.example.com" },
    { key: "port", label: "Port", kind: "number", placeholder: "587" },
    { key: "secure", label: "Security", kind: "secure" },
    { key: "from", label: "From", placeholder: "cairn@example.com" },
    { key: "to", label: "To", kind: "list", hint: "One address per line." },
    { key: "username", label: "Username", secret: true },
    { key: "password", label: "Password", secret: true },
  ],
  gotify: [
    { key: "server", label: "Server", placeholder: "https://gotify.example.com" },
    { key: "priority", label: "Priority (0–10)", kind: "number", hint: "Empty: by severity." },
    { key: "appToken", label: "Application token", secret: true },
  ],
  discord: [
    {
      key: "webhookUrl",
      label: "Webhook URL",
      secret: true,
      hint: "Server settings → Integrations.",
    },
  ],
  slack: [
    {
      key: "webhookUrl",
      label: "Webhook URL",
      secret: true,
      hint: "An incoming webhook of a Slack app.",
    },
  ],
};

export interface ChannelForm {
  kind: ChannelKind;
  name: string;
  enabled: boolean;
  values: Record<string, string>;
  /** Empty = every rule. */
  rules: AlertRule[];
  severities: AlertSeverity[];
  events: ChannelEvent[];
}

export function emptyChannelForm(kind: ChannelKind): ChannelForm {
  const values: Record<string, string> = {};
  for (const f of FIELDS[kind]) values[f.key] = "";
  if (kind === "ntfy") values.server = "https://ntfy.sh";
  if (kind === "smtp") Object.assign(values, { port: "587", secure: "starttls" });
  return {
    kind,
    name: "",
    enabled: true,
    values,
    rules: [],
    severities: ["critical", "warning"],
    events: ["opened", "resolved"],
  };
}

export function channelFormFrom(c: ChannelView): ChannelForm {
  const values: Record<string, string> = {};
  for (const f of FIELDS[c.kind]) {
    const x = f.secret ? undefined : c.config[f.key];
    values[f.key] = x === undefined || x === null
      ? ""
      : Array.isArray(x)
      ? x.join("\n")
      : String(x);
  }
  return {
    kind: c.kind,
    name: c.name,
    enabled: c.enabled,
    values,
    rules: [...c.rules],
    severities: [...c.severities],
    events: [...c.events],
  };
}

function typed(f: FieldDef, s: string): unknown {
  const t = s.trim();
  if (f.kind === "number") return t === "" ? undefined : /^-?\d+$/.test(t) ? Number(t) : t;
  if (f.kind === "list") return t.split(/[\n,]+/).map((x) => x.trim()).filter(Boolean);
  return t === "" && f.key === "priority" ? undefined : t;
}

function parts(form: ChannelForm) {
  const config: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const f of FIELDS[form.kind]) {
    const raw = form.values[f.key] ?? "";
    if (f.secret) {
      if (raw.trim() !== "") secrets[f.key] = raw.trim();
      continue;
    }
    const x = typed(f, raw);
    if (x !== undefined) config[f.key] = x;
  }
  return { config, secrets };
}

/** Which form field a problem at `path` belongs to ("config.server" → "server"). */
export function fieldOf(kind: ChannelKind, path: ReadonlyArray<string | number>): string {
  const keys = path.map(String);
  if ((keys[0] === "config" || keys[0] === "secrets") && keys[1]) return keys[1];
  if (keys[0] === "secrets") {
    return CHANNEL_SCHEMAS[kind].required[0] ?? "form";
  }
  return keys[0] ?? "form";
}

function toErrors(kind: ChannelKind, issues: ReadonlyArray<v.BaseIssue<unknown>>): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const path = (issue.path ?? []).map((p) => p.key as string | number);
    const missing = issue.kind === "schema" && issue.received === "undefined";
    errors[fieldOf(kind, path)] ??= missing ? "is required" : issue.message;
  }
  return errors;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

/** What a create and an update both send: everything but the kind's own fields. */
function common(form: ChannelForm) {
  const { name, enabled, rules, severities, events } = form;
  return { name, enabled, rules, severities, events };
}

export function checkCreate(form: ChannelForm): Checked<CreateChannel> {
  const { config, secrets } = parts(form);
  const body = { kind: form.kind, ...common(form), config, secrets };
  const r = v.safeParse(CreateChannelSchema, body);
  return r.success
    ? { ok: true, value: r.output }
    : { ok: false, errors: toErrors(form.kind, r.issues) };
}

/** An edit: the whole config (checked against its kind), and only the secrets typed anew. */
export function checkUpdate(form: ChannelForm): Checked<UpdateChannel> {
  const { config, secrets } = parts(form);
  const errors: FieldErrors = {};
  const c = v.safeParse(CHANNEL_SCHEMAS[form.kind].config, config);
  // The config schema's paths start at the field itself ("server"), as the form names it.
  if (!c.success) Object.assign(errors, toErrors(form.kind, c.issues));
  const body = {
    ...common(form),
    config,
    ...(Object.keys(secrets).length ? { secrets } : {}),
  };
  const r = v.safeParse(UpdateChannelSchema, body);
  if (!r.success) Object.assign(errors, toErrors(form.kind, r.issues));
  if (Object.keys(errors).length || !r.success) return { ok: false, errors };
  return { ok: true, value: r.output };
}

/** The appliance's 400 details (`{ problems: [{ field, problem }] }`) by form field. */
export function serverFieldErrors(kind: ChannelKind, details: unknown): FieldErrors {
  const problems = (details as { problems?: unknown })?.problems;
  const errors: FieldErrors = {};
  if (!Array.isArray(problems)) return errors;
  for (const p of problems) {
    if (typeof p?.field !== "string" || typeof p?.problem !== "string") continue;
    errors[fieldOf(kind, p.field === "body" ? [] : p.field.split("."))] ??= p.problem;
  }
  return errors;
}
