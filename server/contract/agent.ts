/**
 * The agent protocol (`/api/agent/v1/*`): every message between an agent and the appliance, as
 * valibot schemas that the server, the agent and the PWA import. Agents and appliances of
 * different releases meet in the field, so objects are parsed loosely (unknown keys are dropped,
 * known keys are checked strictly) and `protocolVersion` only changes on a breaking change.
 *
 * Who signs what: the agent signs its enrollment and the session challenge; the appliance signs
 * the challenge it hands out (so the agent knows it talks to the appliance it pinned), the
 * enrollment answer, every command batch and every sealed secret. Signed payloads travel as the
 * exact JSON text that was signed (`payload`), so neither side re-serialises before verifying.
 */
import * as v from "valibot";

/** The protocol this build speaks. */
export const AGENT_PROTOCOL_VERSION = 1;
/** The oldest agent protocol this appliance still serves. */
export const MIN_AGENT_PROTOCOL_VERSION = 1;

export const SIGN_CONTEXT = {
  enroll: "cairn/agent/v1/enroll",
  enrolled: "cairn/agent/v1/enrolled",
  challenge: "cairn/agent/v1/challenge",
  session: "cairn/agent/v1/session",
  commands: "cairn/agent/v1/commands",
  sealed: "cairn/agent/v1/sealed-secret",
  acks: "cairn/agent/v1/acks",
  peer: "cairn/agent/v1/peer",
} as const;

export const LIMITS = {
  enrollBodyBytes: 16 * 1024,
  reportBatchBodyBytes: 1024 * 1024,
  reportsPerBatch: 500,
  reportBodyChars: 16 * 1024,
  commandsPerBatch: 50,
  longPollSeconds: 30,
} as const;

const str = (max: number) =>
  v.pipe(v.string("must be a string"), v.maxLength(max, `must be at most ${max} characters`));
const nonEmpty = (max: number) => v.pipe(str(max), v.minLength(1, "must not be empty"));
const int = (min: number, max: number) =>
  v.pipe(
    v.number("must be a number"),
    v.integer("must be a whole number"),
    v.minValue(min),
    v.maxValue(max),
  );

/** A raw 32-byte key (Ed25519 or X25519), standard base64. */
export const Key32Schema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9+/]{43}=$/, "must be a 32-byte key in base64"),
);
export const SignatureSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9+/]{86}==$/, "must be a 64-byte signature in base64"),
);
export const Nonce32Schema = Key32Schema;
export const FingerprintSchema = v.pipe(
  v.string(),
  v.regex(/^[0-9a-f]{64}$/, "must be 64 hex digits"),
);
/** A report id made by the agent: a ULID (time-sortable, 26 Crockford base32 characters). */
export const UlidSchema = v.pipe(v.string(), v.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, "must be a ULID"));
export const JobIdSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_.:-]{1,64}$/, "must be a job id"),
);
export const ProtocolVersionSchema = int(0, 1_000_000);
const Time = int(0, 8.64e15);
/** A JSON object (valibot's record lets arrays through). */
const JsonObject = v.pipe(
  v.unknown(),
  v.check((x) => x !== null && typeof x === "object" && !Array.isArray(x), "must be an object"),
  v.record(v.string(), v.unknown()),
);

export const HostFactsSchema = v.object({
  hostname: nonEmpty(253),
  os: str(200),
  platform: str(40),
  arch: str(40),
  kernel: str(200),
  agentVersion: str(40),
  runtime: str(60),
  borgVersion: v.nullable(str(60)),
  resticVersion: v.nullable(str(60)),
  addresses: v.pipe(v.array(str(64)), v.maxLength(64, "must list at most 64 addresses")),
});
export type HostFacts = v.InferOutput<typeof HostFactsSchema>;

export const HelloRequestSchema = v.object({
  protocolVersion: ProtocolVersionSchema,
  agentVersion: str(40),
});
export type HelloRequest = v.InferOutput<typeof HelloRequestSchema>;

/**
 * The other appliance of a replicated pair (docs/replication.md), vouched for by the signature
 * of the appliance that says hello: an agent pins it only when that signature verifies against
 * the key it already pinned, and sends to it when this one is gone or answers as a standby.
 */
export const HelloPeerSchema = v.object({
  url: v.pipe(str(500), v.regex(/^https?:\/\//, "must be an http(s) URL")),
  applianceId: nonEmpty(64),
  appliancePublicKey: Key32Schema,
  applianceFingerprint: FingerprintSchema,
  signature: SignatureSchema,
});
export type HelloPeer = v.InferOutput<typeof HelloPeerSchema>;

export function helloPeerFields(
  voucherId: string,
  p: Omit<HelloPeer, "signature">,
): string[] {
  return [voucherId, p.url, p.applianceId, p.appliancePublicKey, p.applianceFingerprint];
}

export const HelloResponseSchema = v.object({
  protocolVersion: ProtocolVersionSchema,
  minAgentProtocolVersion: ProtocolVersionSchema,
  applianceId: nonEmpty(64),
  appliancePublicKey: Key32Schema,
  applianceFingerprint: FingerprintSchema,
  serverTime: Time,
  version: str(40),
  peers: v.optional(v.array(HelloPeerSchema)),
});
export type HelloResponse = v.InferOutput<typeof HelloResponseSchema>;

/** A payload signed by the agent key it names. */
export const SignedEnvelopeSchema = v.strictObject({
  publicKey: Key32Schema,
  payload: nonEmpty(LIMITS.enrollBodyBytes),
  signature: SignatureSchema,
});
export type SignedEnvelope = v.InferOutput<typeof SignedEnvelopeSchema>;

export const EnrollPayloadSchema = v.object({
  protocolVersion: ProtocolVersionSchema,
  applianceId: nonEmpty(64),
  publicKey: Key32Schema,
  boxPublicKey: Key32Schema,
  facts: HostFactsSchema,
  token: v.optional(nonEmpty(200)),
  at: Time,
});
export type EnrollPayload = v.InferOutput<typeof EnrollPayloadSchema>;

export const EnrollmentStateSchema = v.picklist(["pending", "approved"]);

export const EnrollResponseSchema = v.object({
  hostId: nonEmpty(64),
  state: EnrollmentStateSchema,
  applianceId: nonEmpty(64),
  appliancePublicKey: Key32Schema,
  /** Appliance signature over (applianceId, agent key, hostId, state). */
  signature: SignatureSchema,
});
export type EnrollResponse = v.InferOutput<typeof EnrollResponseSchema>;

export const ChallengeRequestSchema = v.object({
  protocolVersion: ProtocolVersionSchema,
  publicKey: Key32Schema,
  /** The agent's own nonce; the appliance signs it to prove it holds the pinned key. */
  clientNonce: Nonce32Schema,
  /**
   * The fingerprint of the appliance key the agent pinned at enrollment. An appliance whose own
   * key differs raises "appliance key changed" for the host (the agent refuses its signature).
   * Optional: older agents leave it out.
   */
  pinnedFingerprint: v.optional(FingerprintSchema),
});
export type ChallengeRequest = v.InferOutput<typeof ChallengeRequestSchema>;

export const ChallengeResponseSchema = v.object({
  nonce: Nonce32Schema,
  expiresAt: Time,
  applianceId: nonEmpty(64),
  appliancePublicKey: Key32Schema,
  protocolVersion: ProtocolVersionSchema,
  /** Appliance signature over (applianceId, agent key, nonce, clientNonce). */
  signature: SignatureSchema,
});
export type ChallengeResponse = v.InferOutput<typeof ChallengeResponseSchema>;

export const SessionRequestSchema = v.object({
  publicKey: Key32Schema,
  nonce: Nonce32Schema,
  /** Agent signature over (applianceId, agent key, nonce). */
  signature: SignatureSchema,
});
export type SessionRequest = v.InferOutput<typeof SessionRequestSchema>;

export const SessionResponseSchema = v.object({
  token: nonEmpty(200),
  expiresAt: Time,
  hostId: nonEmpty(64),
  serverTime: Time,
});
export type SessionResponse = v.InferOutput<typeof SessionResponseSchema>;

export const HeartbeatSchema = v.object({
  sentAt: Time,
  outboxDepth: int(0, 1e12),
  droppedLogs: int(0, 1e12),
  uptimeSeconds: int(0, 1e12),
  facts: v.optional(HostFactsSchema),
});
export type Heartbeat = v.InferOutput<typeof HeartbeatSchema>;

export const HeartbeatResponseSchema = v.object({
  serverTime: Time,
  clockSkewMs: v.number(),
  heartbeatSeconds: int(1, 3600),
});
export type HeartbeatResponse = v.InferOutput<typeof HeartbeatResponseSchema>;

export const COMMAND_KINDS = [
  "ping",
  "facts.refresh",
  "secret.put",
  "job.run",
  "job.cancel",
  /** args: a ScheduleDocument (schedules.ts); a newer version replaces the host's schedule. */
  "schedule.put",
] as const;

export const CommandSchema = v.object({
  id: v.pipe(v.string(), v.regex(/^cmd_[0-9a-z]{26}$/, "must be a command id")),
  kind: nonEmpty(40),
  jobId: v.nullable(JobIdSchema),
  args: JsonObject,
  createdAt: Time,
});
export type Command = v.InferOutput<typeof CommandSchema>;

/** What the appliance signs for one poll answer: it names the appliance and the agent it is for. */
export const CommandBatchPayloadSchema = v.object({
  applianceId: nonEmpty(64),
  hostId: nonEmpty(64),
  agentKey: Key32Schema,
  issuedAt: Time,
  commands: v.pipe(v.array(CommandSchema), v.maxLength(LIMITS.commandsPerBatch)),
});
export type CommandBatchPayload = v.InferOutput<typeof CommandBatchPayloadSchema>;

export const SignedBatchSchema = v.object({
  payload: nonEmpty(4 * 1024 * 1024),
  signature: SignatureSchema,
});
export type SignedBatch = v.InferOutput<typeof SignedBatchSchema>;

export const CommandPollQuerySchema = v.strictObject({
  wait: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,2}$/, "must be a number of seconds from 0 to 30"),
      v.transform(Number),
      v.maxValue(LIMITS.longPollSeconds, "must be a number of seconds from 0 to 30"),
    ),
    "25",
  ),
});

export const CommandPollResponseSchema = v.object({
  batch: v.nullable(SignedBatchSchema),
  serverTime: Time,
});
export type CommandPollResponse = v.InferOutput<typeof CommandPollResponseSchema>;

export const SecretNameSchema = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, "must be a secret name"),
);

/**
 * A secret for one agent: NaCl box from a one-time appliance key to the agent's X25519 key, and
 * signed by the appliance's Ed25519 key over everything else, so only that agent can open it and
 * it knows who sealed it. Agents keep it like this on disk and open it only to use it.
 */
export const SealedSecretSchema = v.object({
  v: v.literal(1),
  name: SecretNameSchema,
  applianceId: nonEmpty(64),
  agentKey: Key32Schema,
  ephemeralKey: Key32Schema,
  nonce: v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/]{32}$/, "must be a 24-byte nonce in base64")),
  box: v.pipe(v.string(), v.maxLength(1024 * 1024), v.regex(/^[A-Za-z0-9+/]*={0,2}$/)),
  sealedAt: Time,
  signature: SignatureSchema,
});
export type SealedSecret = v.InferOutput<typeof SealedSecretSchema>;

/** The fields of a sealed secret the appliance signs, in order. */
export function sealedSecretFields(s: Omit<SealedSecret, "signature" | "v">): string[] {
  return [s.applianceId, s.agentKey, s.name, s.ephemeralKey, s.nonce, s.box, String(s.sealedAt)];
}

/** Reports about the host itself; any other kind must name a job the appliance gave this host. */
export const HOST_REPORT_KINDS = [
  "event",
  "alert",
  "log",
  "facts",
  "command.ack",
  "command.result",
  "log.dropped",
  /** body: ScheduleApplied (schedules.ts), the schedule document version the agent runs. */
  "schedule.applied",
] as const;
export const JOB_REPORT_KINDS = [
  /** body: JobScheduled (schedules.ts); the first report of a run the agent fired itself. */
  "job.scheduled",
  "job.started",
  "job.progress",
  "job.log",
  "job.finished",
  "snapshots",
  "log.dropped",
] as const;

/** How the outbox treats a kind while it cannot deliver: keep all, keep the latest, or cap. */
export function reportClass(kind: string): "keep" | "latest" | "capped" {
  if (kind === "job.progress") return "latest";
  if (kind === "log" || kind === "job.log") return "capped";
  return "keep";
}

export const ReportKindSchema = v.pipe(
  v.string(),
  v.regex(/^[a-z][a-z0-9_.]{0,39}$/, "must be a report kind"),
);

export const ReportSchema = v.object({
  id: UlidSchema,
  seq: int(0, Number.MAX_SAFE_INTEGER),
  kind: ReportKindSchema,
  jobId: v.nullable(JobIdSchema),
  at: Time,
  body: JsonObject,
});
export type Report = v.InferOutput<typeof ReportSchema>;

/**
 * A batch is checked in two steps: the envelope (ids readable, size bounded) refuses the whole
 * batch with 400; each report is then checked on its own and refused by id with a reason, so one
 * report a newer agent makes cannot block the outbox behind it.
 */
export const ReportBatchSchema = v.strictObject({
  reports: v.pipe(
    v.array(v.looseObject({ id: UlidSchema })),
    v.minLength(1, "must hold at least one report"),
    v.maxLength(LIMITS.reportsPerBatch, `must hold at most ${LIMITS.reportsPerBatch} reports`),
  ),
});

export const IngestResponseSchema = v.object({
  acked: v.array(v.string()),
  refused: v.array(v.object({ id: v.string(), reason: v.string() })),
  duplicates: v.number(),
  serverTime: Time,
  /**
   * Appliance signature over ackFields(): the agent deletes reports only on a signed answer, so
   * nothing between them (plain HTTP on a LAN) can make it drop reports the appliance never got.
   */
  signature: SignatureSchema,
});
export type IngestResponse = v.InferOutput<typeof IngestResponseSchema>;

/** The fields of an ingest answer the appliance signs, in order. */
export function ackFields(
  applianceId: string,
  agentKey: string,
  r: Pick<IngestResponse, "acked" | "refused">,
): string[] {
  return [applianceId, agentKey, r.acked.join(","), r.refused.map((x) => x.id).join(",")];
}

/** The error shape every endpoint answers with, as the agent reads it. */
export const AgentErrorSchema = v.object({
  error: v.object({ code: v.string(), message: v.string(), details: v.optional(v.unknown()) }),
});

/** Error codes the agent acts on. */
export const AGENT_ERROR = {
  protocolTooOld: "protocol_too_old",
  pending: "host_pending",
  rejected: "host_rejected",
  revoked: "host_revoked",
  ipNotAllowed: "ip_not_allowed",
  badSignature: "bad_signature",
  unknownAgent: "unknown_agent",
  invalidToken: "invalid_enrollment_token",
  sessionInvalid: "agent_session_invalid",
  lockedOut: "locked_out",
} as const;
