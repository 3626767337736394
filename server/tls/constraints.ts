/**
 * Name constraints for the local CA. Everyone who trusts the CA on a phone trusts it for every
 * name it signs, so a copy of its key taken from the appliance could otherwise impersonate any
 * web site to those phones. The CA is therefore limited (critical NameConstraints, RFC 5280
 * 4.2.1.10, enforced by Chromium, Firefox, Apple and Android) to LAN-only DNS suffixes and
 * private address ranges, plus whatever names and public addresses the machine had when the CA
 * was made. A name added later outside these cannot be in the certificate: it needs a new CA.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  id_ce_nameConstraints,
  NameConstraints,
} from "@peculiar/asn1-x509";
import * as x509 from "./x509.ts";
import { ipInCidr, networkBlock, parseIp } from "../http/client_ip.ts";
import type { NameSet } from "./names.ts";

/** DNS suffixes that never resolve on the public internet. */
export const LAN_DNS_SUFFIXES = [
  "local",
  "localhost",
  "localdomain",
  "lan",
  "home",
  "home.arpa",
  "internal",
];

/** Loopback, private, link-local, carrier-grade NAT (Tailscale) and unique-local ranges. */
export const LAN_IP_RANGES = [
  "127.0.0.0/8",
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "169.254.0.0/16",
  "100.64.0.0/10",
  "::1/128",
  "fc00::/7",
  "fe80::/10",
];

/** Permitted subtrees: DNS names (each with its subdomains) and CIDR blocks. */
export interface Permitted {
  dns: string[];
  ips: string[];
}

export function dnsPermitted(name: string, permitted: string[]): boolean {
  return permitted.some((p) => name === p || name.endsWith(`.${p}`));
}

export function ipPermitted(ip: string, permitted: string[]): boolean {
  return permitted.some((block) => ipInCidr(ip, block));
}

/** What the CA may sign: the LAN defaults widened by the current names outside them. */
export function permittedFor(names: NameSet): Permitted {
  const dns = [...LAN_DNS_SUFFIXES];
  for (const n of names.dns) if (!dnsPermitted(n, dns)) dns.push(n);
  const ips = [...LAN_IP_RANGES];
  for (const ip of names.ips) {
    if (ipPermitted(ip, ips)) continue;
    // A public IPv6 address gets its /64: privacy addresses rotate inside it.
    const block = networkBlock(ip, parseIp(ip)?.family === 6 ? 64 : 32);
    if (block) ips.push(block);
  }
  return { dns, ips };
}

/** Splits `names` into those the CA may sign and those it may not. */
export function splitPermitted(
  names: NameSet,
  permitted: Permitted | null,
): { allowed: NameSet; refused: string[] } {
  if (!permitted) return { allowed: names, refused: [] };
  const dns = names.dns.filter((n) => dnsPermitted(n, permitted.dns));
  const ips = names.ips.filter((ip) => ipPermitted(ip, permitted.ips));
  const refused = [
    ...names.dns.filter((n) => !dns.includes(n)),
    ...names.ips.filter((ip) => !ips.includes(ip)),
  ];
  return { allowed: { dns, ips }, refused };
}

export function nameConstraintsExtension(permitted: Permitted): x509.Extension {
  const subtrees = [
    ...permitted.dns.map((dNSName) => new GeneralName({ dNSName })),
    ...permitted.ips.map((ip) => new GeneralName({ iPAddress: ip })),
  ].map((base) => new GeneralSubtree({ base }));
  const value = AsnConvert.serialize(
    new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees) }),
  );
  return new x509.Extension(id_ce_nameConstraints, true, value);
}

/** The permitted subtrees of a CA certificate, or null when it carries no name constraints. */
export function readPermitted(cert: x509.X509Certificate): Permitted | null {
  const ext = cert.getExtension(id_ce_nameConstraints);
  if (!ext) return null;
  const nc = AsnConvert.parse(ext.value, NameConstraints);
  const out: Permitted = { dns: [], ips: [] };
  for (const sub of nc.permittedSubtrees ?? []) {
    if (sub.base.dNSName !== undefined) out.dns.push(sub.base.dNSName);
    if (sub.base.iPAddress !== undefined) out.ips.push(sub.base.iPAddress);
  }
  return out;
}
