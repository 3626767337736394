/**
 * The browser API for hosts and enrollment (`/api/hosts`, `/api/enrollment-tokens`): request
 * schemas and the views the server answers with. Imported by the server routes and the PWA.
 * JSON is camelCase; times are ISO 8601 strings.
 */
import * as v from "valibot";

function isIpv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIpv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]{2,45}$/.test(text) || !text.includes(":")) return false;
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false; // the URL parser is the IPv6 grammar check; refusing is the answer
  }
}

/** An IPv4 or IPv6 address, optionally with a prefix length (CIDR). */
export function isIpOrCidr(text: string): boolean {
  const [addr, bits, extra] = text.split("/");
  if (extra !== undefined) return false;
  const v4 = isIpv4(addr);
  if (!v4 && !isIpv6(addr)) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (v4 ? 32 : 128);
}

export const IpOrCidrSchema = v.pipe(
  v.string("must be a string"),
  v.maxLength(64, "must be an IP address or CIDR"),
  v.check(isIpOrCidr, "must be an IP address or CIDR, such as 192.168.1.20 or 10.0.0.0/24"),
);

const HostName = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.minLength(1, "must not be empty"),
  v.maxLength(80, "must be at most 80 characters"),
);
const Tags = v.pipe(
  v.array(
    v.pipe(
      v.string("must be a string"),
      v.regex(/^[A-Za-z0-9_.:-]{1,32}$/, "may hold up to 32 letters, digits and _ . : -"),
    ),
    "must be a list of tags",
  ),
  v.maxLength(20, "must hold at most 20 tags"),
);

export const ApproveHostSchema = v.strictObject({
  lockIp: v.optional(v.nullable(IpOrCidrSchema)),
  name: v.optional(HostName),
  tags: v.optional(Tags),
});
export type ApproveHost = v.InferOutput<typeof ApproveHostSchema>;

export const UpdateHostSchema = v.pipe(
  v.strictObject({
    lockIp: v.optional(v.nullable(IpOrCidrSchema)),
    name: v.optional(HostName),
    tags: v.optional(Tags),
  }),
  v.check((u) => Object.keys(u).length > 0, "give name, tags or lockIp"),
);
export type UpdateHost = v.InferOutput<typeof UpdateHostSchema>;

export const CreateEnrollmentTokenSchema = v.strictObject({
  name: v.optional(HostName),
  tags: v.optional(Tags),
  lockIp: v.optional(v.nullable(IpOrCidrSchema)),
});
export type CreateEnrollmentToken = v.InferOutput<typeof CreateEnrollmentTokenSchema>;

export type HostStatus = "pending" | "online" | "degraded" | "offline" | "rejected" | "revoked";
export type EnrollmentState = "pending" | "approved" | "rejected" | "revoked";

export interface HostView {
  id: string;
  name: string;
  status: HostStatus;
  /** false for a laptop: judged by backup staleness only, never alerted as offline. */
  alwaysOnline: boolean;
  enrollment: EnrollmentState;
  fingerprint: string;
  phrase: string;
  hostname: string | null;
  os: string | null;
  arch: string | null;
  agentVersion: string | null;
  borgVersion: string | null;
  resticVersion: string | null;
  tags: string[];
  lockIp: string | null;
  enrolledIp: string;
  lastIp: string | null;
  lastSeenAt: string | null;
  clockSkewMs: number | null;
  outboxDepth: number;
  /** Why a reachable host shows as degraded, in plain words. */
  problems: string[];
  enrolledAt: string;
  decidedAt: string | null;
}

export interface HostHistoryEntry {
  at: string;
  action: string;
  actor: string;
  ip: string | null;
}

export interface HostDetailView extends HostView {
  publicKey: string;
  facts: Record<string, unknown>;
  protocolVersion: number;
  decidedBy: string | null;
  history: HostHistoryEntry[];
}

export interface HostCounts {
  total: number;
  online: number;
  degraded: number;
  offline: number;
  pending: number;
}

export interface HostsListView {
  hosts: HostView[];
  counts: HostCounts;
}

export interface EnrollmentTokenView {
  id: string;
  name: string | null;
  tags: string[];
  lockIp: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  usedByHost: string | null;
  revokedAt: string | null;
}

/** The answer to "Add host": the token is shown here once and never again. */
export interface CreatedEnrollmentTokenView {
  token: EnrollmentTokenView;
  secret: string;
  installCommand: string;
  enrollCommand: string;
  applianceFingerprint: string;
  appliancePhrase: string;
}

export interface CommandQueuedView {
  commandId: string;
}
