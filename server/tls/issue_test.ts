import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ensureLocalTls } from "./local_ca.ts";
import { importPrivateKeyPem, issueServerCert } from "./issue.ts";
import { MACHINE, openssl, opensslVerify, withTempDir } from "./tls_test_helpers.ts";
import * as x509 from "./x509.ts";

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date(Date.UTC(2026, 10, 1, 12));

function start(dir: string, extraHostnames: string[] = ["backup.home.arpa", "10.9.8.7"]) {
  return ensureLocalTls({ dir, extraHostnames, machine: MACHINE, now: NOW });
}

Deno.test("the server certificate lists the host, .local names, localhost, every address and the extra names", async () => {
  await withTempDir(async (dir) => {
    const tls = await start(dir);
    const san = new x509.X509Certificate(tls.certPem).getExtension(
      x509.SubjectAlternativeNameExtension,
    );
    assert.ok(san);
    const dns = san.names.items.filter((n) => n.type === "dns").map((n) => n.value);
    const ips = san.names.items.filter((n) => n.type === "ip").map((n) => n.value);
    assert.deepEqual([...dns].sort(), [
      "backup.home.arpa",
      "cairn.local",
      "localhost",
      "nas-box",
      "nas-box.local",
    ]);
    assert.deepEqual(
      [...ips].sort(),
      ["10.9.8.7", "127.0.0.1", "192.168.1.20", "2001:db8:1:2::20", "::1", "fd12::5"].sort(),
    );
    assert.ok(!ips.some((ip) => ip.startsWith("fe80")), "no link-local IPv6 address");
    assert.deepEqual(tls.hostnames, [...dns, ...ips]);
  });
});

Deno.test("the CA is a self-signed P-256 CA limited to signing leaf certificates for ten years", async () => {
  await withTempDir(async (dir) => {
    const ca = new x509.X509Certificate((await start(dir)).caCertPem);
    assert.equal(ca.subject, "CN=Cairn local CA (nas-box), O=Cairn");
    assert.ok(await ca.isSelfSigned());
    const bc = ca.getExtension(x509.BasicConstraintsExtension);
    assert.ok(bc?.ca && bc.critical);
    assert.equal(bc.pathLength, 0);
    const ku = ca.getExtension(x509.KeyUsagesExtension);
    assert.equal(ku?.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    assert.ok(ku?.critical);
    assert.equal((ca.publicKey.algorithm as EcKeyAlgorithm).namedCurve, "P-256");
    const years = (ca.notAfter.getTime() - NOW.getTime()) / (365 * DAY);
    assert.ok(years > 9.9 && years < 10.1, `CA lifetime ${years} years`);
  });
});

Deno.test("the server certificate is a serverAuth leaf valid for at most 825 days (Apple's limit)", async () => {
  await withTempDir(async (dir) => {
    const tls = await start(dir);
    const cert = new x509.X509Certificate(tls.certPem);
    assert.equal(cert.subject, "CN=nas-box, O=Cairn");
    assert.equal(cert.getExtension(x509.BasicConstraintsExtension)?.ca, false);
    const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
    assert.deepEqual([...(eku?.usages ?? [])], [x509.ExtendedKeyUsage.serverAuth]);
    const days = (cert.notAfter.getTime() - cert.notBefore.getTime()) / DAY;
    assert.ok(days <= 825 && days > 800, `validity ${days} days`);
    assert.ok(cert.notBefore <= NOW && cert.notAfter > NOW);
    assert.equal(tls.notAfter, cert.notAfter.toISOString());
  });
});

Deno.test("openssl accepts the chain for the names and addresses the certificate lists", async () => {
  await withTempDir(async (dir) => {
    const tls = await start(dir);
    const at = ["-attime", String(Math.floor(NOW.getTime() / 1000))];
    for (const check of [["-verify_hostname", "nas-box.local"], ["-verify_ip", "192.168.1.20"]]) {
      const r = await opensslVerify(dir, tls.caCertPem, tls.certPem, [...at, ...check]);
      assert.equal(r.code, 0, r.out);
    }
    const wrong = await opensslVerify(dir, tls.caCertPem, tls.certPem, [
      ...at,
      "-verify_hostname",
      "example.com",
    ]);
    assert.notEqual(wrong.code, 0, "a name the certificate does not list is refused");
  });
});

Deno.test("the CA's name constraints stop it from vouching for a public web site", async () => {
  await withTempDir(async (dir) => {
    const tls = await start(dir);
    const ca = {
      cert: new x509.X509Certificate(tls.caCertPem),
      certPem: tls.caCertPem,
      keyPem: "",
      privateKey: await importPrivateKeyPem(await readFile(join(dir, "ca.key"), "utf8")),
    };
    const rogue = await issueServerCert({
      ca,
      commonName: "www.example.com",
      names: { dns: ["www.example.com"], ips: ["8.8.8.8"] },
      now: NOW,
    });
    const at = ["-attime", String(Math.floor(NOW.getTime() / 1000))];
    const r = await opensslVerify(dir, tls.caCertPem, rogue.certPem, at);
    assert.notEqual(r.code, 0, "a certificate for a public name must not verify");
    assert.match(r.out, /permitted subtree violation/);
  });
});

Deno.test("keys are PKCS#8 PEM that node:crypto and openssl read; certificates are PEM", async () => {
  await withTempDir(async (dir) => {
    const tls = await start(dir);
    assert.match(tls.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(tls.certPem, /^-----BEGIN CERTIFICATE-----\n/);
    assert.equal(createPrivateKey(tls.keyPem).asymmetricKeyType, "ec");
    const parsed = await openssl(["pkey", "-in", join(dir, "server.key"), "-noout", "-text"]);
    assert.equal(parsed.code, 0, parsed.out);
    assert.match(parsed.out, /prime256v1|P-256/);
  });
});

Deno.test("the fingerprint is SHA-256 of the CA's DER, colon-separated upper-case hex, as openssl shows it", async () => {
  await withTempDir(async (dir) => {
    const tls = await start(dir);
    assert.match(tls.caFingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const r = await openssl([
      "x509",
      "-in",
      join(dir, "ca.crt"),
      "-noout",
      "-fingerprint",
      "-sha256",
    ]);
    assert.equal(r.out.trim().split("=")[1], tls.caFingerprint);
  });
});
