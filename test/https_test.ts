/**
 * HTTPS on the LAN, end to end: a real appliance process with CAIRN_TLS=on, a TLS client that
 * trusts only the appliance's own CA, and Debian's Chromium trusting that CA through its NSS
 * database, the way a user's browser would after importing the downloaded certificate. Nothing
 * ignores certificate errors here.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../server/paths.ts";
import { launchBrowser } from "./helpers/browser.ts";
import { startServerProcess } from "./helpers/server_process.ts";
import type { ServerProcess } from "./helpers/server_process.ts";
import { fetchWith } from "./helpers/tls_client.ts";

const PASSWORD = "correct horse battery";

async function run(cmd: string, args: string[]) {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const err = new TextDecoder().decode(r.stderr);
  if (r.code !== 0) throw new Error(`${cmd} ${args[0]} failed (${r.code}): ${err}`);
}

/** A HOME whose NSS database trusts `caPem` for TLS servers, as Chromium on Linux reads it. */
async function homeTrusting(caPem: string): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), "cairn-home-"));
  const db = join(home, ".pki", "nssdb");
  await mkdir(db, { recursive: true });
  await writeFile(join(home, "ca.crt"), caPem);
  await run("certutil", ["-d", `sql:${db}`, "-N", "--empty-password"]);
  await run("certutil", [
    "-d",
    `sql:${db}`,
    "-A",
    "-t",
    "C,,",
    "-n",
    "cairn-ca",
    "-i",
    join(home, "ca.crt"),
  ]);
  return home;
}

async function startTls(env: Record<string, string> = {}, dataDir?: string) {
  return await startServerProcess({ env: { CAIRN_TLS: "on", ...env }, dataDir });
}

async function readCa(srv: ServerProcess) {
  return await Deno.readTextFile(join(srv.dataDir, "tls", "ca.crt"));
}

async function stopAll(srv: ServerProcess, keepData = false) {
  await srv.stop();
  await srv.kill();
  if (!keepData) await srv.cleanup();
}

Deno.test("TLS clients that trust the appliance's CA reach it by name and by address; others refuse it", async (t) => {
  const srv = await startTls();
  const caPem = await readCa(srv);
  const trusting = Deno.createHttpClient({ caCerts: [caPem] });
  try {
    assert.match(srv.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    for (const host of ["localhost", "127.0.0.1"]) {
      await t.step(`the chain validates for ${host}`, async () => {
        const res = await fetchWith(trusting, `https://${host}:${srv.port}/healthz`);
        assert.equal(res.status, 200);
        assert.equal((await res.json()).status, "ok");
      });
    }
    await t.step("a client without the CA gets a certificate error", async () => {
      const plain = Deno.createHttpClient({});
      try {
        await assert.rejects(fetchWith(plain, `https://localhost:${srv.port}/healthz`), (err) => {
          const detail = `${err} ${(err as Error).cause ?? ""}`;
          assert.match(detail, /invalid peer certificate: UnknownIssuer/);
          return true;
        });
      } finally {
        plain.close();
      }
    });
    await t.step("the CA certificate is offered for download, as PEM and as DER", async () => {
      const pem = await fetchWith(trusting, `${srv.url}/api/tls/ca.crt`);
      assert.equal(pem.headers.get("content-type"), "application/x-x509-ca-cert");
      assert.equal(await pem.text(), caPem);
      const der = await fetchWith(trusting, `${srv.url}/api/tls/ca.crt?format=der`);
      const bytes = new Uint8Array(await der.arrayBuffer());
      assert.equal(bytes[0], 0x30, "DER starts with a SEQUENCE");
      const b64 = caPem.replace(/-----[A-Z ]+-----|\s/g, "");
      assert.deepEqual(bytes, Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
      const bad = await fetchWith(trusting, `${srv.url}/api/tls/ca.crt?format=p12`);
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).error.code, "invalid_input");
    });
    await t.step("sessions over HTTPS get a Secure cookie", async () => {
      const res = await fetchWith(trusting, `${srv.url}/api/auth/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password: PASSWORD }),
      });
      assert.equal(res.status, 201);
      assert.match(res.headers.get("set-cookie") ?? "", /;\s*Secure/i);
      await res.body?.cancel();
    });
    await t.step("the log names the CA and the certificate but holds no key", () => {
      assert.ok(srv.lines.some((l) => l.includes("TLS: created the local CA")));
      assert.ok(srv.lines.every((l) => !l.includes("PRIVATE KEY")));
    });
  } finally {
    trusting.close();
    await stopAll(srv);
  }
});

Deno.test("with TLS off the CA download is a 404 in the one error shape", async () => {
  const srv = await startServerProcess();
  try {
    const res = await fetch(`${srv.url}/api/tls/ca.crt`);
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, "not_found");
  } finally {
    await stopAll(srv);
  }
});

Deno.test("a restart reuses the CA, so devices that trust it keep trusting the appliance", async () => {
  const first = await startTls();
  const caPem = await readCa(first);
  await stopAll(first, true);
  const second = await startTls({}, first.dataDir);
  const client = Deno.createHttpClient({ caCerts: [caPem] });
  try {
    assert.equal(await readCa(second), caPem);
    assert.ok(!second.lines.some((l) => l.includes("TLS: created")), "nothing was re-made");
    const res = await fetchWith(client, `https://localhost:${second.port}/healthz`);
    assert.equal(res.status, 200);
    await res.body?.cancel();
  } finally {
    client.close();
    await stopAll(second);
  }
});

Deno.test("the Node runtime serves HTTPS with the same certificate files", async () => {
  if (!existsSync(join(PROJECT_ROOT, "dist", "server_node.mjs"))) {
    throw new Error("dist/server_node.mjs is missing: run `node scripts/build.mjs` first");
  }
  const srv = await startServerProcess({ runtime: "node", env: { CAIRN_TLS: "on" } });
  const client = Deno.createHttpClient({ caCerts: [await readCa(srv)] });
  try {
    assert.match(srv.url, /^https:/);
    const res = await fetchWith(client, `https://localhost:${srv.port}/healthz`);
    assert.equal(res.status, 200);
    await res.body?.cancel();
  } finally {
    client.close();
    await stopAll(srv);
  }
});

Deno.test("Chromium that trusts the CA through NSS loads the PWA over HTTPS and its service worker takes control", async (t) => {
  if (!existsSync(join(PROJECT_ROOT, "pwa", "dist", "sw.js"))) {
    throw new Error("pwa/dist is missing: run `node scripts/build.mjs` first");
  }
  const srv = await startTls();
  const home = await homeTrusting(await readCa(srv));
  try {
    await t.step(
      "with the CA in its NSS database: no certificate error, a controlling worker",
      async () => {
        const browser = await launchBrowser({ env: { HOME: home } });
        try {
          const page = await browser.newPage();
          const res = await page.goto(`https://localhost:${srv.port}/`);
          assert.equal(res?.status(), 200);
          assert.equal(await page.evaluate(() => globalThis.isSecureContext), true);
          await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, {
            timeout: 20_000,
          });
          const script = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);
          assert.equal(script, `https://localhost:${srv.port}/sw.js`);
          const byAddress = await page.goto(`https://127.0.0.1:${srv.port}/healthz`);
          assert.equal(byAddress?.status(), 200);
        } finally {
          await browser.close();
        }
      },
    );
    await t.step("control: without the CA, Chromium refuses the certificate", async () => {
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        await assert.rejects(
          page.goto(`https://localhost:${srv.port}/`),
          /ERR_CERT_AUTHORITY_INVALID/,
        );
      } finally {
        await browser.close();
      }
    });
  } finally {
    await rm(home, { recursive: true, force: true });
    await stopAll(srv);
  }
});
