/**
 * The agent's side of `/api/agent/v1/*` over plain fetch (so it runs wherever fetch does). Every
 * answer is validated against the contract before use; failures come back as one of three
 * errors the callers act on: the appliance said no (ApplianceError, with its code), it could not
 * be reached or failed (UnreachableError: retry with backoff), or it answered something this
 * agent does not understand (ProtocolError).
 */
import * as v from "valibot";
import {
  AgentErrorSchema,
  ChallengeResponseSchema,
  CommandPollResponseSchema,
  EnrollResponseSchema,
  HeartbeatResponseSchema,
  HelloResponseSchema,
  IngestResponseSchema,
  SessionResponseSchema,
} from "../server/contract/agent.ts";
import type {
  ChallengeRequest,
  Heartbeat,
  HelloRequest,
  Report,
  SessionRequest,
  SignedEnvelope,
} from "../server/contract/agent.ts";
import type { Fetch } from "./platform/http.ts";

export class ApplianceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApplianceError";
  }
}

export class UnreachableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnreachableError";
  }
}

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

const V1 = "/api/agent/v1";

/**
 * `baseUrl` may be a function: an agent of a replicated pair reads the current appliance's
 * address at each call, so a failover (agent/appliances.ts) moves every client at once.
 */
export function createClient(
  opts: { baseUrl: string | (() => string); fetch: Fetch; timeoutMs?: number },
) {
  const baseOf = () =>
    (typeof opts.baseUrl === "function" ? opts.baseUrl() : opts.baseUrl).replace(/\/+$/, "");
  const timeoutMs = opts.timeoutMs ?? 20_000;

  async function call<T>(
    method: "GET" | "POST",
    path: string,
    schema: v.GenericSchema<unknown, T>,
    o: { body?: unknown; token?: string; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const base = baseOf();
    const headers: Record<string, string> = { accept: "application/json" };
    if (o.body !== undefined) headers["content-type"] = "application/json";
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const timeout = AbortSignal.timeout(o.timeoutMs ?? timeoutMs);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    let res: Response;
    let text: string;
    try {
      res = await opts.fetch(base + path, {
        method,
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal,
      });
      text = await res.text();
    } catch (err) {
      throw new UnreachableError(
        `Cannot reach the appliance at ${base}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      if (res.status >= 500 || res.status === 502) {
        throw new UnreachableError(`The appliance failed with ${res.status}`);
      }
      throw new ProtocolError(
        `The appliance answered ${res.status} with something that is not JSON`,
      );
    }
    if (res.status >= 500) {
      // 503 writes_paused: a primary cut off from its standby. Like a failure, it is retried
      // with backoff (the reports stay in the outbox) or sent to the other appliance.
      const e = v.safeParse(AgentErrorSchema, json);
      throw new UnreachableError(
        e.success
          ? `The appliance answered ${res.status} ${e.output.error.code}: ${e.output.error.message}`
          : `The appliance failed with ${res.status}`,
      );
    }
    if (res.status >= 400) {
      const e = v.safeParse(AgentErrorSchema, json);
      if (!e.success) {
        throw new ProtocolError(`The appliance answered ${res.status} without an error body`);
      }
      throw new ApplianceError(
        res.status,
        e.output.error.code,
        e.output.error.message,
        e.output.error.details,
      );
    }
    const parsed = v.safeParse(schema, json);
    if (!parsed.success) {
      throw new ProtocolError(
        `The appliance's answer to ${path} does not match this agent's protocol`,
      );
    }
    return parsed.output;
  }

  return {
    get baseUrl() {
      return baseOf();
    },
    hello: (req: HelloRequest) => call("POST", `${V1}/hello`, HelloResponseSchema, { body: req }),
    enroll: (env: SignedEnvelope) =>
      call("POST", `${V1}/enroll`, EnrollResponseSchema, { body: env }),
    challenge: (req: ChallengeRequest) =>
      call("POST", `${V1}/challenge`, ChallengeResponseSchema, { body: req }),
    session: (req: SessionRequest) =>
      call("POST", `${V1}/session`, SessionResponseSchema, { body: req }),
    heartbeat: (token: string, hb: Heartbeat) =>
      call("POST", `${V1}/heartbeat`, HeartbeatResponseSchema, { body: hb, token }),
    poll: (token: string, waitSeconds: number, signal?: AbortSignal) =>
      call("GET", `${V1}/commands?wait=${waitSeconds}`, CommandPollResponseSchema, {
        token,
        signal,
        timeoutMs: (waitSeconds + 15) * 1000,
      }),
    postReports: (token: string, reports: Report[]) =>
      call("POST", `${V1}/reports`, IngestResponseSchema, {
        body: { reports },
        token,
        timeoutMs: 60_000,
      }),
  };
}

export type ApplianceClient = ReturnType<typeof createClient>;
