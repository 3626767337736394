/**
 * The browser API's wire shapes: valibot schemas for what clients send, and the types of what
 * the server answers. Imported by the server routes and by the PWA, so both sides agree.
 * JSON is camelCase; times are ISO 8601 strings.
 */
import * as v from "valibot";

export const RoleSchema = v.picklist(
  ["admin", "operator", "viewer"],
  "must be admin, operator or viewer",
);
export type Role = v.InferOutput<typeof RoleSchema>;

const Username = v.pipe(
  v.string("must be a string"),
  v.minLength(1, "must not be empty"),
  v.maxLength(64, "must be at most 64 characters"),
  v.regex(/^[A-Za-z0-9._@-]+$/, "may hold letters, digits and . _ @ - only"),
);
const Password = v.pipe(
  v.string("must be a string"),
  v.minLength(1, "must not be empty"),
  v.maxLength(1024, "must be at most 1024 characters"),
);

export const CredentialsSchema = v.strictObject({ username: Username, password: Password });
export type Credentials = v.InferOutput<typeof CredentialsSchema>;

export const ChangePasswordSchema = v.strictObject({
  currentPassword: Password,
  newPassword: Password,
});
export const CreateUserSchema = v.strictObject({
  username: Username,
  password: Password,
  role: RoleSchema,
});
export const UpdateUserSchema = v.pipe(
  v.strictObject({
    role: v.optional(RoleSchema),
    disabled: v.optional(v.boolean("must be true or false")),
  }),
  v.check((u) => u.role !== undefined || u.disabled !== undefined, "give role or disabled"),
);
export const ResetPasswordSchema = v.strictObject({ password: Password });

export const CreateTokenSchema = v.strictObject({
  name: v.pipe(
    v.string("must be a string"),
    v.trim(),
    v.minLength(1, "must not be empty"),
    v.maxLength(80, "must be at most 80 characters"),
  ),
  role: RoleSchema,
});

const IsoTime = v.pipe(
  v.string(),
  v.isoTimestamp("must be an ISO 8601 time"),
  v.transform((s) => Date.parse(s)),
);

export const AuditQuerySchema = v.strictObject({
  actor: v.optional(v.pipe(v.string(), v.maxLength(100, "must be at most 100 characters"))),
  action: v.optional(v.pipe(v.string(), v.maxLength(100, "must be at most 100 characters"))),
  target: v.optional(v.pipe(v.string(), v.maxLength(100, "must be at most 100 characters"))),
  from: v.optional(IsoTime),
  to: v.optional(IsoTime),
  before: v.optional(
    v.pipe(v.string(), v.regex(/^aud_[0-9a-z]{26}$/, "must be an audit entry id")),
  ),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, "must be a number from 1 to 500"),
      v.transform(Number),
      v.minValue(1, "must be a number from 1 to 500"),
      v.maxValue(500, "must be a number from 1 to 500"),
    ),
    "100",
  ),
});

export const SettingsPatchSchema = v.strictObject({
  applianceName: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1, "must not be empty"),
      v.maxLength(64, "must be at most 64 characters"),
    ),
  ),
});

export const EmptySchema = v.strictObject({});

export interface UserView {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

export interface MeView {
  user: UserView;
  csrfToken: string | null;
  via: "session" | "token";
}

export interface AuthStateView {
  setupRequired: boolean;
}

export interface TokenView {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditEntryView {
  id: string;
  at: string;
  actor: { type: string; id: string | null; name: string };
  action: string;
  target: { type: string; id: string } | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export interface SettingsView {
  applianceName: string;
  version: string;
  runtime: string;
  dataDir: string;
  databaseBytes: number;
  startedAt: string;
  tls: {
    enabled: boolean;
    caAvailable: boolean;
    caFingerprint: string | null;
    hostnames: string[];
  };
}

export interface DashboardView {
  generatedAt: string;
  applianceName: string;
  hosts: { total: number; online: number; offline: number; pending: number };
  jobs: { running: number; failed24h: number; succeeded24h: number };
  users: number;
  auditEvents24h: number;
  databaseBytes: number;
  uptimeSeconds: number;
}

export interface HealthView {
  status: "ok";
  role: "primary" | "standby";
  version: string;
}

/** `GET /api/tls/ca.crt`: PEM by default; `format=der` for installers that want binary DER. */
export const CaCertQuerySchema = v.strictObject({
  format: v.optional(v.picklist(["pem", "der"], "must be pem or der")),
});
