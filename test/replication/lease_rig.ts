/**
 * A primary and its standby that reach each other only through two cuttable proxies (one per
 * direction), so a test can split the network between them while it still reaches both; and a
 * writer that records when each appliance accepted a write.
 */
import { signIn } from "../agents/procs.ts";
import type { Admin } from "../agents/procs.ts";
import { registerTestSecret } from "../helpers/log_capture.ts";
import { loopbackListen, pairingCode, startPrimary, startStandby, status, waitFor } from "./rig.ts";
import type { Node } from "./rig.ts";
import { startSplitProxy } from "./split_proxy.ts";
import type { SplitProxy } from "./split_proxy.ts";

export interface SplitPair {
  primary: Node & { admin: Admin };
  standby: Node & { admin: Admin };
  primaryListen: string;
  toPrimary: SplitProxy;
  toStandby: SplitProxy;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

const portOf = (listen: string) => Number(listen.slice(listen.lastIndexOf(":") + 1));

export async function startSplitPair(): Promise<SplitPair> {
  const primaryListen = loopbackListen();
  const standbyListen = loopbackListen();
  const toPrimary = startSplitProxy(portOf(primaryListen));
  const toStandby = startSplitProxy(portOf(standbyListen));
  const primary = await startPrimary({ listen: primaryListen });
  const standbyNode = await startStandby(toPrimary.url, {
    code: await pairingCode(primary),
    listen: standbyListen,
    env: { CAIRN_BASE_URL: toStandby.url },
  });
  // The admin can sign in on the standby once it holds the primary's copy.
  await waitFor("the standby is following", async () => (await status(standbyNode)).state === "ok");
  const standby = Object.assign(standbyNode, {
    admin: standbyNode.admin ?? await signIn(standbyNode.url),
  });
  await waitFor("the primary holds the lease", async () => {
    return (await status(primary)).lease.heldForMs !== null;
  });
  return {
    primary,
    standby,
    primaryListen,
    toPrimary,
    toStandby,
    cut() {
      toPrimary.cut();
      toStandby.cut();
    },
    heal() {
      toPrimary.heal();
      toStandby.heal();
    },
    async close() {
      await toPrimary.close();
      await toStandby.close();
    },
  };
}

let serial = 0;

/** One admin API write (an API token); its secret is registered for the final scan. */
export async function apiWrite(
  admin: Admin,
  tag: string,
): Promise<{ status: number; code?: string; name: string }> {
  const name = `${tag}-${++serial}`;
  const r = await admin.json<{ secret?: string; error?: { code: string } }>(
    "POST",
    "/api/tokens",
    { name, role: "viewer" },
  );
  if (r.body?.secret) registerTestSecret(r.body.secret);
  return { status: r.status, code: r.body?.error?.code, name };
}

/**
 * Writes to an appliance every ~20 ms until stopped; notes each accepted write's name, when it
 * was sent and when its answer came (the write happened in between).
 */
export function startWriter(admin: Admin, tag: string) {
  const accepted: { sent: number; at: number; name: string }[] = [];
  const refused = new Map<string, number>();
  let running = true;
  const done = (async () => {
    while (running) {
      const sent = performance.now();
      try {
        const r = await apiWrite(admin, tag);
        if (r.status === 201) accepted.push({ sent, at: performance.now(), name: r.name });
        else refused.set(`${r.status} ${r.code}`, (refused.get(`${r.status} ${r.code}`) ?? 0) + 1);
      } catch {
        refused.set("unreachable", (refused.get("unreachable") ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    accepted,
    refused,
    async stop() {
      running = false;
      await done;
    },
  };
}

export async function tokenNames(admin: Admin): Promise<Set<string>> {
  const r = await admin.json<{ tokens: { name: string }[] }>("GET", "/api/tokens");
  if (r.status !== 200) throw new Error(`tokens: ${r.status}`);
  return new Set(r.body.tokens.map((t) => t.name));
}
