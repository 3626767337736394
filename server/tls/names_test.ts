import assert from "node:assert/strict";
import { ConfigError, readConfig } from "../config.ts";
import { isCertificateName, readMachineFacts, wantedNames } from "./names.ts";

Deno.test("a fully qualified host name gives its .local short form; case and a trailing dot are dropped", () => {
  const names = wantedNames({ hostname: "NAS.Example.COM.", addresses: [] }, []);
  assert.deepEqual(names.dns, ["nas.example.com", "nas.local", "localhost", "cairn.local"]);
  assert.deepEqual(names.ips, ["127.0.0.1", "::1"]);
});

Deno.test("a host name that cannot be a DNS name is left out; localhost is not doubled", () => {
  assert.deepEqual(wantedNames({ hostname: "my_box", addresses: [] }, []).dns, [
    "localhost",
    "cairn.local",
  ]);
  assert.deepEqual(wantedNames({ hostname: "localhost", addresses: [] }, []).dns, [
    "localhost",
    "cairn.local",
  ]);
});

Deno.test("addresses are canonical and unique; link-local IPv6 is skipped; extra IPs join the IPs", () => {
  const names = wantedNames(
    { hostname: "box", addresses: ["192.168.1.5", "::ffff:192.168.1.5", "FE80::1", "FD00::0:5"] },
    ["Backup.Lan", "10.0.0.9", "127.0.0.1"],
  );
  assert.deepEqual(names.ips, ["127.0.0.1", "::1", "192.168.1.5", "fd00::5", "10.0.0.9"]);
  assert.ok(names.dns.includes("backup.lan"));
});

Deno.test("CAIRN_TLS_HOSTNAMES takes DNS names and addresses and refuses anything else", () => {
  for (const ok of ["nas.lan", "NAS.home.arpa", "10.0.0.9", "fd00::5", "box"]) {
    assert.ok(isCertificateName(ok), ok);
  }
  for (const bad of ["my_box", "*.lan", "https://nas.lan", "nas..lan", "-nas", "a".repeat(64)]) {
    assert.ok(!isCertificateName(bad), bad);
  }
  assert.deepEqual(readConfig({ CAIRN_TLS_HOSTNAMES: "nas.lan, 10.0.0.9" }).tlsHostnames, [
    "nas.lan",
    "10.0.0.9",
  ]);
  assert.throws(
    () => readConfig({ CAIRN_TLS_HOSTNAMES: "nas.lan,my_box" }),
    (err) => err instanceof ConfigError && err.variable === "CAIRN_TLS_HOSTNAMES",
  );
  assert.throws(
    () => readConfig({ CAIRN_TRUSTED_PROXIES: "10.0.0.0/33" }),
    (err) => err instanceof ConfigError && err.variable === "CAIRN_TRUSTED_PROXIES",
  );
});

Deno.test("the machine's own facts come from the OS", () => {
  const facts = readMachineFacts();
  assert.ok(facts.hostname.length > 0);
  assert.ok(facts.addresses.every((a) => a !== "127.0.0.1" && a !== "::1"), "no loopback");
});
