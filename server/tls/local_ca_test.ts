import assert from "node:assert/strict";
import { chmod, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ensureLocalTls } from "./local_ca.ts";
import type { EnsureTlsOptions } from "./local_ca.ts";
import { logTlsEvents } from "./report.ts";
import { MACHINE, withTempDir } from "./tls_test_helpers.ts";
import * as x509 from "./x509.ts";

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date(Date.UTC(2026, 10, 1, 12));

function start(dir: string, o: Partial<EnsureTlsOptions> = {}) {
  return ensureLocalTls({ dir, extraHostnames: [], machine: MACHINE, now: NOW, ...o });
}

async function mode(path: string) {
  return (await stat(path)).mode & 0o777;
}

Deno.test("first start writes the CA and the server certificate, keys 0600, folder 0700", async () => {
  await withTempDir(async (data) => {
    const dir = join(data, "tls");
    const tls = await start(dir);
    assert.deepEqual(tls.events.map((e) => e.kind), ["ca_created", "cert_issued"]);
    assert.equal(await mode(dir), 0o700);
    assert.equal(await mode(join(dir, "ca.key")), 0o600);
    assert.equal(await mode(join(dir, "server.key")), 0o600);
    assert.equal(await mode(join(dir, "ca.crt")), 0o644);
    assert.equal(await readFile(join(dir, "ca.crt"), "utf8"), tls.caCertPem);
    assert.equal(await readFile(join(dir, "server.key"), "utf8"), tls.keyPem);
    const leftovers = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(leftovers, ["ca.crt", "ca.key", "server.crt", "server.key"]);
  });
});

Deno.test("a second start reuses the CA and the certificate unchanged", async () => {
  await withTempDir(async (dir) => {
    const first = await start(dir);
    const second = await start(dir, { now: new Date(NOW.getTime() + 100 * DAY) });
    assert.deepEqual(second.events, []);
    assert.equal(second.caCertPem, first.caCertPem);
    assert.equal(second.caFingerprint, first.caFingerprint);
    assert.equal(second.certPem, first.certPem);
    assert.equal(second.keyPem, first.keyPem);
  });
});

Deno.test("a new host name or address re-issues the certificate under the same CA", async () => {
  await withTempDir(async (dir) => {
    const first = await start(dir);
    const named = await start(dir, { extraHostnames: ["nas.lan"] });
    assert.deepEqual(named.events, [
      { kind: "cert_issued", reason: "names_changed", missing: ["nas.lan"] },
    ]);
    assert.equal(named.caCertPem, first.caCertPem);
    assert.notEqual(named.keyPem, first.keyPem);
    assert.ok(named.hostnames.includes("nas.lan"));
    const moved = await start(dir, {
      extraHostnames: ["nas.lan"],
      machine: { ...MACHINE, addresses: ["192.168.7.9"] },
    });
    assert.deepEqual(moved.events, [
      { kind: "cert_issued", reason: "names_changed", missing: ["192.168.7.9"] },
    ]);
    assert.ok(moved.hostnames.includes("192.168.7.9"));
    assert.equal(moved.caCertPem, first.caCertPem);
  });
});

Deno.test("the certificate is re-issued within 30 days of expiry, not before", async () => {
  await withTempDir(async (dir) => {
    const first = await start(dir);
    const notAfter = new Date(first.notAfter).getTime();
    const early = await start(dir, { now: new Date(notAfter - 31 * DAY) });
    assert.deepEqual(early.events, []);
    const late = await start(dir, { now: new Date(notAfter - 29 * DAY) });
    assert.deepEqual(late.events.map((e) => e.kind === "cert_issued" && e.reason), ["expiring"]);
    assert.ok(new Date(late.notAfter).getTime() > notAfter + 700 * DAY);
    assert.equal(late.caCertPem, first.caCertPem);
  });
});

Deno.test("a damaged or mismatched certificate or key is replaced; a lost CA makes a new CA and cert", async () => {
  await withTempDir(async (dir) => {
    const first = await start(dir);
    await writeFile(join(dir, "server.crt"), "not a certificate");
    const damaged = await start(dir);
    assert.deepEqual(damaged.events.map((e) => e.kind === "cert_issued" && e.reason), [
      "unreadable",
    ]);
    // Another valid key beside the certificate: the pair no longer belongs together.
    await writeFile(join(dir, "server.key"), first.keyPem);
    const mismatched = await start(dir);
    assert.deepEqual(mismatched.events.map((e) => e.kind === "cert_issued" && e.reason), [
      "key_mismatch",
    ]);
    await rm(join(dir, "ca.crt"));
    const fresh = await start(dir);
    assert.deepEqual(fresh.events, [
      { kind: "ca_created", reason: "missing" },
      { kind: "cert_issued", reason: "new_ca", missing: [] },
    ]);
    assert.notEqual(fresh.caFingerprint, first.caFingerprint);
    const cert = new x509.X509Certificate(fresh.certPem);
    assert.ok(await cert.verify({ publicKey: new x509.X509Certificate(fresh.caCertPem) }));
  });
});

Deno.test("a certificate signed by another CA is re-issued", async () => {
  await withTempDir(async (a) => {
    await withTempDir(async (b) => {
      await start(a);
      const other = await start(b);
      await writeFile(join(a, "server.crt"), other.certPem);
      await writeFile(join(a, "server.key"), other.keyPem);
      const again = await start(a);
      assert.deepEqual(again.events.map((e) => e.kind === "cert_issued" && e.reason), [
        "other_ca",
      ]);
    });
  });
});

Deno.test("a name outside the CA's constraints is left out, reported, and does not re-issue at every start", async () => {
  await withTempDir(async (dir) => {
    const first = await start(dir);
    const extra = { extraHostnames: ["backup.example.com"] };
    const second = await start(dir, extra);
    assert.deepEqual(second.events, [{ kind: "names_refused", names: ["backup.example.com"] }]);
    assert.equal(second.certPem, first.certPem);
    assert.ok(!second.hostnames.includes("backup.example.com"));
    const third = await start(dir, extra);
    assert.deepEqual(third.events.map((e) => e.kind), ["names_refused"]);
    assert.equal(third.certPem, first.certPem);
  });
});

Deno.test("names present when the CA is made are inside its constraints", async () => {
  await withTempDir(async (dir) => {
    const tls = await start(dir, {
      extraHostnames: ["backup.example.com", "203.0.113.9"],
      machine: { hostname: "box.example.net", addresses: ["198.51.100.4", "2001:db8:5::9"] },
    });
    assert.deepEqual(tls.events.map((e) => e.kind), ["ca_created", "cert_issued"]);
    for (const n of ["backup.example.com", "box.example.net", "203.0.113.9", "198.51.100.4"]) {
      assert.ok(tls.hostnames.includes(n), n);
    }
    // A privacy address in the same /64 later is still inside the constraints.
    const rotated = await start(dir, {
      extraHostnames: ["backup.example.com", "203.0.113.9"],
      machine: { hostname: "box.example.net", addresses: ["198.51.100.4", "2001:db8:5::77"] },
    });
    assert.deepEqual(rotated.events.map((e) => e.kind), ["cert_issued"]);
    assert.ok(rotated.hostnames.includes("2001:db8:5::77"));
  });
});

Deno.test("a key file left readable by others is set back to 0600", async () => {
  await withTempDir(async (dir) => {
    await start(dir);
    await chmod(join(dir, "ca.key"), 0o644);
    await start(dir);
    assert.equal(await mode(join(dir, "ca.key")), 0o600);
  });
});

Deno.test("a clock that was never set still yields certificates valid once it is", async () => {
  await withTempDir(async (dir) => {
    const tls = await start(dir, { now: new Date(0) });
    const ca = new x509.X509Certificate(tls.caCertPem);
    assert.ok(ca.notAfter.getTime() > Date.UTC(2034, 0, 1));
    assert.ok(new Date(tls.notAfter).getTime() > Date.UTC(2027, 0, 1));
  });
});

Deno.test("the start-up log names what changed and never carries key material", async () => {
  await withTempDir(async (dir) => {
    await start(dir);
    const tls = await start(dir, { extraHostnames: ["nas.lan", "www.example.org"] });
    const lines: string[] = [];
    const sink = (level: string) => (msg: string, fields?: unknown) =>
      lines.push(JSON.stringify({ level, msg, ...fields as object }));
    logTlsEvents({ info: sink("info"), warn: sink("warn") }, tls);
    assert.equal(lines.length, 2);
    assert.ok(lines.some((l) => /"level":"info".*"newNames":\["nas.lan"\]/.test(l)), lines[0]);
    assert.ok(lines.some((l) => /"level":"warn".*www\.example\.org/.test(l)), lines[1]);
    const keyBody = tls.keyPem.split("\n")[1];
    assert.ok(lines.every((l) => !l.includes("PRIVATE KEY") && !l.includes(keyBody)));
  });
});
