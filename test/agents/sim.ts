/**
 * Simulated agents for load tests and benchmarks: the real protocol (signed enrollment,
 * mutual challenge-response, long-poll, report batches) over plain fetch, with identities kept
 * in memory, so one process can stand in for hundreds of hosts.
 */
import nacl from "tweetnacl";
import { createClient } from "../../agent/client.ts";
import type { ApplianceClient } from "../../agent/client.ts";
import type { AgentIdentity } from "../../agent/identity.ts";
import { authenticate } from "../../agent/session.ts";
import type { AgentSession } from "../../agent/session.ts";
import { createUlidFactory } from "../../agent/ulid.ts";
import { AGENT_PROTOCOL_VERSION, SIGN_CONTEXT } from "../../server/contract/agent.ts";
import type { Report } from "../../server/contract/agent.ts";
import type { CreatedEnrollmentTokenView } from "../../server/contract/hosts.ts";
import {
  createSigner,
  fingerprintOf,
  phraseOf,
  toBase64,
} from "../../server/contract/agent_crypto.ts";
import { FACTS } from "./inproc.ts";
import type { Appliance } from "./procs.ts";

export interface SimAgent {
  hostId: string;
  client: ApplianceClient;
  session(): Promise<AgentSession>;
  /** A batch of `n` event reports with fresh ids. */
  reports(n: number): Report[];
}

async function memoryIdentity(): Promise<AgentIdentity> {
  const sign = nacl.sign.keyPair();
  const box = nacl.box.keyPair();
  const fingerprint = await fingerprintOf(sign.publicKey);
  return {
    publicKey: toBase64(sign.publicKey),
    boxPublicKey: toBase64(box.publicKey),
    fingerprint,
    phrase: phraseOf(fingerprint),
    signer: await createSigner(sign.secretKey.slice(0, 32), sign.publicKey),
    openBox: (b, n, s) => Promise.resolve(nacl.box.open(b, n, s, box.secretKey)),
  };
}

/** Enrolls one simulated host (approved at once when given a token). */
export async function simAgent(
  baseUrl: string,
  opts: { token?: string; name?: string } = {},
): Promise<SimAgent> {
  const client = createClient({ baseUrl, fetch: (u, i) => fetch(u, i), timeoutMs: 60_000 });
  const identity = await memoryIdentity();
  const hello = await client.hello({
    protocolVersion: AGENT_PROTOCOL_VERSION,
    agentVersion: "sim",
  });
  const payload = JSON.stringify({
    protocolVersion: AGENT_PROTOCOL_VERSION,
    applianceId: hello.applianceId,
    publicKey: identity.publicKey,
    boxPublicKey: identity.boxPublicKey,
    facts: { ...FACTS, hostname: opts.name ?? `sim-${identity.fingerprint.slice(0, 8)}` },
    ...(opts.token ? { token: opts.token } : {}),
    at: Date.now(),
  });
  const signature = await identity.signer.sign(SIGN_CONTEXT.enroll, [
    hello.applianceId,
    identity.publicKey,
    payload,
  ]);
  const enrolled = await client.enroll({ publicKey: identity.publicKey, payload, signature });
  const pinned = {
    applianceId: hello.applianceId,
    appliancePublicKey: hello.appliancePublicKey,
    applianceFingerprint: hello.applianceFingerprint,
  };
  const ulid = createUlidFactory();
  let seq = 0;
  let current: AgentSession | null = null;
  return {
    hostId: enrolled.hostId,
    client,
    async session() {
      if (!current || Date.now() > current.renewAt) {
        current = await authenticate({ client, identity, pinned });
      }
      return current;
    },
    reports: (n) =>
      Array.from({ length: n }, () => ({
        id: ulid(),
        seq: seq++,
        kind: "event",
        jobId: null,
        at: Date.now(),
        body: { text: "bench", n: seq },
      })),
  };
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Resident memory (MB) and CPU time (s) of a process, from /proc. */
export async function processUsage(pid: number): Promise<{ rssMb: number; cpuSeconds: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const stat = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1].split(" ");
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime, fields 14 and 15
  return { rssMb: rssKb / 1024, cpuSeconds: ticks / 100 };
}

/**
 * `count` simulated hosts enrolled with tokens from the appliance's admin (so approved at once),
 * eight at a time, each signed in; named `<prefix>-<i>`.
 */
export async function enrollSimAgents(
  a: Pick<Appliance, "url" | "admin">,
  count: number,
  prefix = "bench",
): Promise<SimAgent[]> {
  return await pool(Array.from({ length: count }), 8, async (_, i) => {
    const t = await a.admin.json<CreatedEnrollmentTokenView>("POST", "/api/enrollment-tokens", {});
    const agent = await simAgent(a.url, { token: t.body.secret, name: `${prefix}-${i}` });
    await agent.session();
    return agent;
  });
}
