/**
 * A local Web Push service for tests: HTTPS on 127.0.0.1 with a certificate from a throwaway CA
 * (push services are https only, and so is what Cairn accepts as an endpoint). For each message
 * it checks what a real push service checks and what the device would: the VAPID JWT (RFC 8292:
 * ES256 over header.payload with the key in the Authorization header's `k=`, `aud` = this
 * endpoint's origin, `exp` in the future and at most 24 h ahead, a mailto:/https: `sub`), then
 * decrypts the aes128gcm body (RFC 8291) with the subscription's private key and auth secret
 * using http_ece, a separate implementation from the one that encrypted it.
 *
 * Cairn's fetch must trust the CA: in-process tests pass `fetch` from here; an appliance process
 * is started with DENO_CERT pointing at `caFile`.
 */
import { createECDH, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import ece from "http_ece";
import { createCa, issueServerCert } from "../../server/tls/issue.ts";
import { permittedFor } from "../../server/tls/constraints.ts";

export interface PushReceived {
  subscription: string;
  payload: unknown;
  claims: { aud: string; exp: number; sub: string };
  headers: Headers;
  /** performance.timeOrigin + performance.now() when the request arrived (ms since epoch). */
  at: number;
}

export interface TestSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString("base64url");
const fromB64u = (s: string) => new Uint8Array(Buffer.from(s, "base64url"));

async function verifyVapid(auth: string | null, origin: string, now: number) {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(auth ?? "");
  if (!m) throw new Error("no vapid authorization");
  const [h, p, s] = m[1].split(".");
  const header = JSON.parse(new TextDecoder().decode(fromB64u(h)));
  if (header.alg !== "ES256") throw new Error("alg is not ES256");
  const key = await crypto.subtle.importKey(
    "raw",
    fromB64u(m[2]),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  const ok = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    fromB64u(s),
    new TextEncoder().encode(`${h}.${p}`),
  );
  if (!ok) throw new Error("bad JWT signature");
  const claims = JSON.parse(new TextDecoder().decode(fromB64u(p)));
  if (claims.aud !== origin) throw new Error("aud is not the endpoint origin");
  if (!(claims.exp * 1000 > now && claims.exp * 1000 <= now + 24 * 3600_000 + 60_000)) {
    throw new Error("exp out of range");
  }
  if (!/^(mailto:|https:)/.test(claims.sub ?? "")) throw new Error("sub is not mailto/https");
  return { claims, publicKey: m[2] };
}

export async function startPushService(dir: string) {
  const now = new Date();
  const names = { dns: ["localhost"], ips: ["127.0.0.1"] };
  const ca = await createCa({ commonName: "Test push CA", permitted: permittedFor(names), now });
  const leaf = await issueServerCert({ ca, commonName: "127.0.0.1", names, now });
  const caFile = join(dir, "push-ca.pem");
  await writeFile(caFile, ca.certPem);
  const devices = new Map<string, { ecdh: ReturnType<typeof createECDH>; auth: string }>();
  const received: PushReceived[] = [];
  const rejected: string[] = [];
  const gone = new Set<string>();
  const answers = new Map<string, { status: number; headers: Record<string, string> }>();
  const vapidKeys = new Set<string>();
  const waiting: Array<() => void> = [];
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: leaf.certPem,
    key: leaf.keyPem,
    onListen: () => {},
  }, async (req) => {
    const at = performance.timeOrigin + performance.now();
    const url = new URL(req.url);
    const id = url.pathname.replace(/^\/push\//, "");
    const body = new Uint8Array(await req.arrayBuffer());
    if (gone.has(id)) return new Response(null, { status: 410 });
    const answer = answers.get(id);
    if (answer) {
      for (const w of waiting.splice(0)) w();
      rejected.push(`answered ${answer.status}`);
      return new Response(null, answer);
    }
    const device = devices.get(id);
    if (!device) return new Response(null, { status: 404 });
    try {
      if (req.headers.get("content-encoding") !== "aes128gcm") throw new Error("not aes128gcm");
      const { claims, publicKey } = await verifyVapid(
        req.headers.get("authorization"),
        url.origin,
        Date.now(),
      );
      vapidKeys.add(publicKey);
      const plain = ece.decrypt(Buffer.from(body), {
        version: "aes128gcm",
        privateKey: device.ecdh,
        authSecret: device.auth,
      });
      received.push({
        subscription: id,
        payload: JSON.parse(new TextDecoder().decode(plain)),
        claims,
        headers: new Headers(req.headers),
        at,
      });
    } catch (err) {
      rejected.push(String((err as Error).message));
      return new Response(null, { status: 400 });
    } finally {
      for (const w of waiting.splice(0)) w();
    }
    return new Response(null, { status: 201 });
  });
  const origin = `https://127.0.0.1:${server.addr.port}`;
  const client = Deno.createHttpClient({ caCerts: [ca.certPem] });
  return {
    origin,
    caFile,
    received,
    rejected,
    vapidKeys,
    /** A device: its key pair and auth secret stay here, the public parts go to Cairn. */
    newSubscription(): TestSubscription {
      const id = b64u(randomBytes(9));
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const auth = b64u(randomBytes(16));
      devices.set(id, { ecdh, auth });
      return {
        id,
        endpoint: `${origin}/push/${id}`,
        keys: { p256dh: b64u(ecdh.getPublicKey()), auth },
      };
    },
    /** From now on this device answers 410 Gone, as after the user revoked permission. */
    expire: (id: string) => void gone.add(id),
    /** From now on this device's messages are answered so (null: accepted again). */
    answer(id: string, a: { status: number; headers?: Record<string, string> } | null) {
      if (a) answers.set(id, { status: a.status, headers: a.headers ?? {} });
      else answers.delete(id);
    },
    /** Waits until `count` messages arrived (or were refused). */
    async waitFor(count: number, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (received.length + rejected.length < count) {
        if (Date.now() > until) throw new Error(`push service got ${received.length}/${count}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 200);
          waiting.push(() => (clearTimeout(t), r()));
        });
      }
    },
    /** A fetch that trusts this service's CA, as the appliance's would with DENO_CERT. */
    fetch: (input: string, init: RequestInit) =>
      fetch(input, { ...init, client } as RequestInit & { client: Deno.HttpClient }),
    async close() {
      await server.shutdown();
      client.close();
    },
  };
}

export type PushServiceFixture = Awaited<ReturnType<typeof startPushService>>;
