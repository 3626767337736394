import assert from "node:assert/strict";
import {
  canonicalIp,
  clientIp,
  ipInCidr,
  isTrustedPeer,
  isValidCidr,
  networkBlock,
} from "./client_ip.ts";

Deno.test("addresses get one canonical spelling: mapped IPv4 folded, IPv6 compressed lower-case", () => {
  const cases: [string, string | null][] = [
    ["192.168.1.20", "192.168.1.20"],
    ["::ffff:10.0.0.7", "10.0.0.7"],
    ["::FFFF:0a00:0007", "10.0.0.7"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0db8:0000:0001:0000:0000:0000:0001", "2001:db8:0:1::1"],
    ["2001:db8:1:1:1:1:0:1", "2001:db8:1:1:1:1:0:1"],
    ["::", "::"],
    ["::1", "::1"],
    ["fe80::", "fe80::"],
    ["256.1.1.1", null],
    ["1.2.3", null],
    ["1:2:3:4:5:6:7:8:9", null],
    ["1::2::3", null],
    ["fe80::1%eth0", null],
    ["not-an-ip", null],
    ["", null],
  ];
  for (const [input, want] of cases) assert.equal(canonicalIp(input), want, input);
});

Deno.test("CIDR matching for IPv4, IPv6 and IPv4-mapped peers; families never cross", () => {
  assert.ok(ipInCidr("10.1.2.3", "10.0.0.0/8"));
  assert.ok(!ipInCidr("11.1.2.3", "10.0.0.0/8"));
  assert.ok(ipInCidr("172.31.255.255", "172.16.0.0/12"));
  assert.ok(!ipInCidr("172.32.0.0", "172.16.0.0/12"));
  assert.ok(ipInCidr("192.168.1.1", "192.168.1.1"));
  assert.ok(!ipInCidr("192.168.1.2", "192.168.1.1"));
  assert.ok(ipInCidr("8.8.8.8", "0.0.0.0/0"));
  assert.ok(ipInCidr("::ffff:192.168.1.9", "192.168.1.0/24"), "mapped peer in an IPv4 block");
  assert.ok(ipInCidr("192.168.1.9", "::ffff:192.168.1.0/120"), "IPv4 peer in a mapped block");
  assert.ok(ipInCidr("fd00::1234", "fd00::/8"));
  assert.ok(ipInCidr("FD00::1234", "fd00::/8"));
  assert.ok(!ipInCidr("fe00::1", "fd00::/8"));
  assert.ok(ipInCidr("2001:db8:5:0:abcd::1", "2001:db8:5::/64"));
  assert.ok(!ipInCidr("2001:db8:6::1", "2001:db8:5::/64"));
  assert.ok(!ipInCidr("::a00:1", "10.0.0.0/8"), "an IPv6 address is not in an IPv4 block");
  assert.ok(!ipInCidr("10.0.0.1", "::/0"), "nor an IPv4 address in an IPv6 block");
  assert.ok(!ipInCidr("unknown", "0.0.0.0/0"));
});

Deno.test("only real addresses and prefixes count as CIDRs", () => {
  for (const ok of ["10.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "fd00::/8", "::1", "::/0"]) {
    assert.ok(isValidCidr(ok), ok);
  }
  for (
    const bad of ["10.0.0.0/33", "fd00::/129", "300.0.0.0/8", "10.0.0.0/", "10.0.0.0/8/8", "x"]
  ) {
    assert.ok(!isValidCidr(bad), bad);
  }
});

Deno.test("networkBlock clears host bits", () => {
  assert.equal(networkBlock("2001:db8:5:0:abcd::1", 64), "2001:db8:5::/64");
  assert.equal(networkBlock("192.168.1.77", 24), "192.168.1.0/24");
  assert.equal(networkBlock("192.168.1.77", 33), null);
});

Deno.test("X-Forwarded-For is ignored unless the direct peer is a trusted proxy", () => {
  assert.equal(clientIp("203.0.113.5", "10.9.9.9", []), "203.0.113.5");
  assert.equal(clientIp("203.0.113.5", "10.9.9.9", ["10.0.0.0/8"]), "203.0.113.5");
  assert.equal(clientIp("::ffff:203.0.113.5", undefined, ["10.0.0.0/8"]), "203.0.113.5");
  assert.equal(clientIp("10.0.0.1", "198.51.100.7", ["10.0.0.1"]), "198.51.100.7");
  assert.equal(clientIp("::ffff:10.0.0.1", "198.51.100.7", ["10.0.0.0/8"]), "198.51.100.7");
  assert.equal(clientIp("fd00::1", "2001:DB8::0:7", ["fd00::/8"]), "2001:db8::7");
});

Deno.test("from a trusted proxy the right-most untrusted hop wins, so a client cannot pick its own", () => {
  const trusted = ["10.0.0.0/8"];
  // The client sent "X-Forwarded-For: 1.1.1.1"; its proxy appended the address it saw.
  assert.equal(clientIp("10.0.0.1", "1.1.1.1, 198.51.100.7", trusted), "198.51.100.7");
  // Two proxies in a row: skip both.
  assert.equal(clientIp("10.0.0.1", "1.1.1.1, 198.51.100.7, 10.0.0.2", trusted), "198.51.100.7");
  // Every hop is a proxy: the direct peer is all there is.
  assert.equal(clientIp("10.0.0.1", "10.0.0.3, 10.0.0.2", trusted), "10.0.0.1");
  assert.equal(clientIp("10.0.0.1", " , ", trusted), "10.0.0.1");
});

Deno.test("hops with ports are read as their address; junk is kept short", () => {
  const trusted = ["10.0.0.0/8"];
  assert.equal(clientIp("10.0.0.1", "198.51.100.7:51234", trusted), "198.51.100.7");
  assert.equal(clientIp("10.0.0.1", "[2001:db8::7]:443", trusted), "2001:db8::7");
  assert.equal(clientIp("10.0.0.1", "x".repeat(500), trusted), "x".repeat(64));
});

Deno.test("isTrustedPeer reads mapped and plain addresses alike", () => {
  assert.ok(isTrustedPeer("::ffff:127.0.0.1", ["127.0.0.1"]));
  assert.ok(isTrustedPeer("127.0.0.1", ["127.0.0.0/8"]));
  assert.ok(!isTrustedPeer("127.0.0.1", []));
  assert.ok(!isTrustedPeer("unknown", ["0.0.0.0/0"]));
});
