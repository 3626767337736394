/**
 * Agents against an in-process appliance: the real agent modules (identity, client, enrollment,
 * session) with a fetch that goes straight into `app.request`, and a peer address the test
 * chooses, so enrollment and session rules can be tested fast and with a movable clock.
 */
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { createClient } from "../../agent/client.ts";
import { enroll, readEnrollment } from "../../agent/enrollment.ts";
import { loadOrCreateIdentity } from "../../agent/identity.ts";
import type { Fetch } from "../../agent/platform/http.ts";
import { authenticate } from "../../agent/session.ts";
import type { HostFacts } from "../../server/contract/agent.ts";
import type { createTestContext } from "../helpers/app.ts";

type Ctx = Awaited<ReturnType<typeof createTestContext>>;

export const FACTS: HostFacts = {
  hostname: "web1",
  os: "Debian GNU/Linux 12 (bookworm)",
  platform: "linux",
  arch: "x64",
  kernel: "6.1.0",
  agentVersion: "0.1.0",
  runtime: "deno 2.9.5",
  borgVersion: "1.2.4",
  resticVersion: "0.14.0",
  addresses: ["192.0.2.10"],
};

export function fetchInto(t: Ctx, peer: () => string): Fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("x-test-peer", peer());
    return Promise.resolve(t.app.request(input, { ...init, headers }));
  };
}

export async function testAgent(t: Ctx, opts: { peer?: string } = {}) {
  const stateDir = await mkdtemp(join(t.dir, "agent-"));
  const identity = await loadOrCreateIdentity(stateDir);
  const self = {
    stateDir,
    identity,
    peer: opts.peer ?? "192.0.2.10",
    client: null as unknown as ReturnType<typeof createClient>,
    enroll: (o: { token?: string; facts?: HostFacts } = {}) =>
      enroll({
        stateDir,
        client: self.client,
        identity,
        facts: o.facts ?? FACTS,
        token: o.token,
        now: () => t.clock.now(),
      }),
    async session() {
      const pinned = (await readEnrollment(stateDir))!;
      return authenticate({ client: self.client, identity, pinned, now: () => t.clock.now() });
    },
  };
  self.client = createClient({
    baseUrl: "http://appliance.test",
    fetch: fetchInto(t, () => self.peer),
  });
  return self;
}
