import assert from "node:assert/strict";
import { applianceUrl } from "./appliance_url.ts";

const at = (href: string) => {
  const u = new URL(href);
  return { protocol: u.protocol, hostname: u.hostname, port: u.port, origin: u.origin };
};

Deno.test("a page opened by LAN name or address offers that same address", () => {
  assert.equal(
    applianceUrl(at("https://nas.local:8443/settings"), ["nas"]),
    "https://nas.local:8443",
  );
  assert.equal(applianceUrl(at("https://192.168.1.5:8443/"), []), "https://192.168.1.5:8443");
});

Deno.test("a page opened on localhost offers the LAN name a phone most likely reaches", () => {
  const names = ["vm", "localhost", "vm.local", "cairn.local", "127.0.0.1", "::1", "192.0.2.2"];
  assert.equal(applianceUrl(at("https://localhost:8443/"), names), "https://vm.local:8443");
  assert.equal(applianceUrl(at("https://127.0.0.1:8443/"), ["vm", "10.0.0.2"]), "https://vm:8443");
  assert.equal(applianceUrl(at("https://127.0.0.1/"), ["fd00::2", "10.0.0.2"]), "https://10.0.0.2");
  assert.equal(applianceUrl(at("https://[::1]:8443/"), ["fd00::2"]), "https://[fd00::2]:8443");
});

Deno.test("with no LAN name known, the page's own address is all there is", () => {
  assert.equal(applianceUrl(at("http://localhost:8080/"), []), "http://localhost:8080");
  assert.equal(
    applianceUrl(at("http://localhost:8080/"), ["localhost", "::1"]),
    "http://localhost:8080",
  );
});
