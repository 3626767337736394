/**
 * Notifications (issue 5): the browser API for notification channels (`/api/channels`) and Web
 * Push subscriptions (`/api/push/*`). Request schemas and the views the server answers with;
 * imported by the server routes and the PWA. JSON is camelCase; times are ISO 8601 strings.
 *
 * A channel is one place alerts go (ntfy, a webhook, email, Gotify, Discord, Slack). Its settings
 * are split in two: `config` holds what may be shown again; `secrets` (tokens, passwords, webhook
 * URLs that carry a token) go in and never come out, answered only as `secretsSet` flags. Web
 * Push is not a channel: each signed-in user subscribes their own devices, and every
 * subscription gets alerts at or above its `minSeverity` (warning by default).
 *
 * PATCH of a channel: `config`, when given, replaces the whole config (checked against the
 * channel's kind); each key of `secrets` is set when it is a string, cleared when null, and kept
 * when absent.
 */
import * as v from "valibot";
import { ALERT_RULES, ALERT_SEVERITIES, AlertRuleSchema, AlertSeveritySchema } from "./alerts.ts";
import type { AlertRule, AlertSeverity } from "./alerts.ts";

export const CHANNEL_KINDS = ["ntfy", "webhook", "smtp", "gotify", "discord", "slack"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const DELIVERY_STATES = ["pending", "sent", "failed", "gave_up"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** Which alert events a channel hears about ("test" always goes through). */
export const CHANNEL_EVENTS = ["opened", "resolved"] as const;
export type ChannelEvent = (typeof CHANNEL_EVENTS)[number];

const Name = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.minLength(1, "must not be empty"),
  v.maxLength(80, "must be at most 80 characters"),
);
const Text = (max: number) =>
  v.pipe(
    v.string("must be a string"),
    v.minLength(1, "must not be empty"),
    v.maxLength(max, `must be at most ${max} characters`),
  );
/** A secret is checked as any other text; only where it goes differs. */
const Secret = Text;

/** An absolute http:// or https:// URL; anything else (file:, javascript:, ftp:) is refused. */
export const HttpUrlSchema = v.pipe(
  v.string("must be a string"),
  v.maxLength(2048, "must be at most 2048 characters"),
  v.check((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
    } catch {
      return false; // not a URL at all: the message below says what is wanted
    }
  }, "must be an http:// or https:// URL"),
);
/** A push service endpoint: browsers hand out https URLs only. */
export const HttpsUrlSchema = v.pipe(
  HttpUrlSchema,
  v.check((s) => s.startsWith("https://"), "must be an https:// URL"),
);
const Email = v.pipe(
  v.string("must be a string"),
  v.maxLength(254, "must be at most 254 characters"),
  v.email("must be an email address"),
);
const Priority = (min: number, max: number) =>
  v.pipe(
    v.number("must be a number"),
    v.integer("must be a whole number"),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

// ---- per kind: what may be shown again, and what is secret ----

export const NtfyConfigSchema = v.strictObject({
  /** The ntfy server, e.g. https://ntfy.sh */
  server: HttpUrlSchema,
  topic: v.pipe(
    v.string("must be a string"),
    v.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1 to 64 letters, digits, _ or -"),
  ),
  /** 1 (min) … 5 (max); absent = by severity (critical 5, warning 4, info 3). */
  priority: v.optional(Priority(1, 5)),
});
export const NtfySecretsSchema = v.strictObject({ token: v.optional(Secret(512)) });

export const WebhookConfigSchema = v.strictObject({ url: HttpUrlSchema });
/** With hmacSecret set, each request carries `X-Cairn-Signature: sha256=<hex HMAC of the body>`. */
export const WebhookSecretsSchema = v.strictObject({ hmacSecret: v.optional(Secret(512)) });

/** One or more PEM certificates ("-----BEGIN CERTIFICATE-----" … "-----END CERTIFICATE-----"). */
export const PemCertificatesSchema = v.pipe(
  v.string("must be a string"),
  v.maxLength(32_768, "must be at most 32768 characters"),
  v.regex(
    /^\s*(-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+$/,
    "must be one or more PEM certificates",
  ),
);

export const SmtpConfigSchema = v.strictObject({
  host: Text(253),
  port: Priority(1, 65535),
  /** tls = implicit TLS (465); starttls = upgrade required (587); none = plain (LAN relays). */
  secure: v.picklist(["tls", "starttls", "none"], "must be tls, starttls or none"),
  from: Email,
  to: v.pipe(
    v.array(Email, "must be a list of email addresses"),
    v.minLength(1, "must name at least one recipient"),
    v.maxLength(50, "must hold at most 50 recipients"),
  ),
  /**
   * Optional: a certificate to trust besides the system's CAs (PEM, not secret), for a mail
   * server on the LAN with its own certificate or its own CA. Certificates are always verified.
   */
  ca: v.optional(PemCertificatesSchema),
});
export const SmtpSecretsSchema = v.strictObject({
  username: v.optional(Secret(256)),
  password: v.optional(Secret(512)),
});

export const GotifyConfigSchema = v.strictObject({
  server: HttpUrlSchema,
  /** Gotify's 0 … 10; absent = by severity (critical 8, warning 5, info 2). */
  priority: v.optional(Priority(0, 10)),
});
export const GotifySecretsSchema = v.strictObject({ appToken: v.optional(Secret(512)) });

/** Discord and Slack have nothing to show: their webhook URL carries a token, so it is secret. */
export const EmptyConfigSchema = v.strictObject({});
export const WebhookUrlSecretsSchema = v.strictObject({ webhookUrl: v.optional(HttpUrlSchema) });

/** Config and secrets schemas by kind, for the PATCH check and the PWA's forms. */
export const CHANNEL_SCHEMAS = {
  ntfy: { config: NtfyConfigSchema, secrets: NtfySecretsSchema, required: [] },
  webhook: { config: WebhookConfigSchema, secrets: WebhookSecretsSchema, required: [] },
  smtp: { config: SmtpConfigSchema, secrets: SmtpSecretsSchema, required: [] },
  gotify: { config: GotifyConfigSchema, secrets: GotifySecretsSchema, required: ["appToken"] },
  discord: {
    config: EmptyConfigSchema,
    secrets: WebhookUrlSecretsSchema,
    required: ["webhookUrl"],
  },
  slack: { config: EmptyConfigSchema, secrets: WebhookUrlSecretsSchema, required: ["webhookUrl"] },
} as const;

const Rules = v.pipe(
  v.array(AlertRuleSchema, "must be a list of alert rules"),
  v.maxLength(ALERT_RULES.length),
);
const Severities = v.pipe(
  v.array(AlertSeveritySchema),
  v.minLength(1, "must name at least one severity"),
  v.maxLength(ALERT_SEVERITIES.length),
);
const Events = v.pipe(
  v.array(v.picklist(CHANNEL_EVENTS, "must be opened or resolved")),
  v.minLength(1, "must name at least one event"),
  v.maxLength(CHANNEL_EVENTS.length),
);
const common = {
  name: Name,
  /** Default true. */
  enabled: v.optional(v.boolean("must be true or false")),
  /** Empty or absent = every rule. */
  rules: v.optional(Rules),
  /** Absent = critical and warning. */
  severities: v.optional(Severities),
  /** Absent = opened and resolved. */
  events: v.optional(Events),
};

/** A kind's secrets with its required ones (CHANNEL_SCHEMAS) checked on create. */
const withRequired = <S extends v.GenericSchema>(schema: S, keys: readonly string[]) =>
  v.pipe(
    schema,
    v.check(
      (s) => keys.every((k) => typeof (s as Record<string, unknown>)[k] === "string"),
      `must set ${keys.join(", ")}`,
    ),
  );

export const CreateChannelSchema = v.variant("kind", [
  v.strictObject({
    kind: v.literal("ntfy"),
    ...common,
    config: NtfyConfigSchema,
    secrets: v.optional(NtfySecretsSchema),
  }),
  v.strictObject({
    kind: v.literal("webhook"),
    ...common,
    config: WebhookConfigSchema,
    secrets: v.optional(WebhookSecretsSchema),
  }),
  v.strictObject({
    kind: v.literal("smtp"),
    ...common,
    config: SmtpConfigSchema,
    secrets: v.optional(SmtpSecretsSchema),
  }),
  v.strictObject({
    kind: v.literal("gotify"),
    ...common,
    config: GotifyConfigSchema,
    secrets: withRequired(GotifySecretsSchema, CHANNEL_SCHEMAS.gotify.required),
  }),
  v.strictObject({
    kind: v.literal("discord"),
    ...common,
    config: v.optional(EmptyConfigSchema),
    secrets: withRequired(WebhookUrlSecretsSchema, CHANNEL_SCHEMAS.discord.required),
  }),
  v.strictObject({
    kind: v.literal("slack"),
    ...common,
    config: v.optional(EmptyConfigSchema),
    secrets: withRequired(WebhookUrlSecretsSchema, CHANNEL_SCHEMAS.slack.required),
  }),
], "must be a channel kind (ntfy, webhook, smtp, gotify, discord or slack)");
export type CreateChannel = v.InferOutput<typeof CreateChannelSchema>;

export const UpdateChannelSchema = v.strictObject({
  name: v.optional(Name),
  enabled: v.optional(v.boolean("must be true or false")),
  rules: v.optional(Rules),
  severities: v.optional(Severities),
  events: v.optional(Events),
  /** The whole config of the channel's kind; checked against it by the server. */
  config: v.optional(v.record(v.string(), v.unknown(), "must be an object")),
  /** string = set, null = clear, absent = keep. */
  secrets: v.optional(
    v.record(
      v.pipe(v.string(), v.maxLength(32)),
      v.nullable(v.pipe(v.string("must be a string or null"), v.maxLength(2048))),
      "must be an object",
    ),
  ),
});
export type UpdateChannel = v.InferOutput<typeof UpdateChannelSchema>;

export interface LastDeliveryView {
  state: DeliveryState;
  at: string;
  reason: string | null;
}

export interface ChannelView {
  id: string;
  kind: ChannelKind;
  name: string;
  enabled: boolean;
  /** Empty = every rule. */
  rules: AlertRule[];
  severities: AlertSeverity[];
  events: ChannelEvent[];
  /** The non-secret settings of its kind (see the *ConfigSchema above). */
  config: Record<string, unknown>;
  /** Which secrets are set, e.g. {token: true}; the values never leave the appliance. */
  secretsSet: Record<string, boolean>;
  lastDelivery: LastDeliveryView | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * One delivery of one alert event to one channel or push subscription: the notifier's queue and
 * its log. `lastStatus` is the HTTP status (or SMTP reply code) of the last attempt; `lastReason`
 * a short sentence, never a URL or a body.
 */
export interface DeliveryView {
  id: string;
  channelId: string | null;
  subscriptionId: string | null;
  alertId: string | null;
  event: "opened" | "resolved" | "test";
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastReason: string | null;
  createdAt: string;
  sentAt: string | null;
}

export const DeliveriesQuerySchema = v.strictObject({
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, "must be a number from 1 to 200"),
      v.transform(Number),
      v.minValue(1, "must be a number from 1 to 200"),
      v.maxValue(200, "must be a number from 1 to 200"),
    ),
  ),
});

// ---- Web Push ----

/** `GET /api/push/vapid-key`: the applicationServerKey for pushManager.subscribe(), base64url. */
export interface VapidKeyView {
  publicKey: string;
}

const B64Url = (max: number) =>
  v.pipe(
    v.string("must be a string"),
    v.regex(/^[A-Za-z0-9_-]+={0,2}$/, "must be base64url"),
    v.maxLength(max, `must be at most ${max} characters`),
  );

const Label = v.pipe(v.string("must be a string"), v.trim(), v.maxLength(80));

/**
 * `POST /api/push/subscriptions`: what PushSubscription.toJSON() gives, plus a label and the
 * lowest severity this device wants. The same endpoint again updates the row.
 */
export const CreatePushSubscriptionSchema = v.strictObject({
  endpoint: HttpsUrlSchema,
  expirationTime: v.optional(v.nullable(v.number())),
  keys: v.strictObject({
    /** The device's P-256 public key (65 bytes uncompressed). */
    p256dh: B64Url(128),
    /** The 16-byte auth secret. */
    auth: B64Url(64),
  }),
  label: v.optional(Label),
  minSeverity: v.optional(AlertSeveritySchema),
});
export type CreatePushSubscription = v.InferOutput<typeof CreatePushSubscriptionSchema>;

export const UpdatePushSubscriptionSchema = v.strictObject({
  label: v.optional(Label),
  minSeverity: v.optional(AlertSeveritySchema),
});
export type UpdatePushSubscription = v.InferOutput<typeof UpdatePushSubscriptionSchema>;

export interface PushSubscriptionView {
  id: string;
  label: string;
  /** The push service's host (fcm.googleapis.com, updates.push.services.mozilla.com …). */
  endpointHost: string;
  minSeverity: AlertSeverity;
  createdAt: string;
  lastSuccessAt: string | null;
  /** The last failure's short reason, cleared by the next success. */
  lastFailure: string | null;
}

/** `POST /api/push/test` and `POST /api/channels/:id/test`: one attempt each, answered. */
export interface TestResultView {
  deliveries: DeliveryView[];
}
