/**
 * The names and addresses a phone or a laptop may use to reach the appliance, which its server
 * certificate must list: the host name, `<host>.local` (mDNS), `cairn.local`, `localhost`, every
 * address of the machine that is not loopback-only, the loopback addresses, and what the admin
 * adds in CAIRN_TLS_HOSTNAMES. IPv6 link-local addresses are left out: browsers cannot open a
 * URL with a zone id.
 */
import { hostname, networkInterfaces } from "node:os";
import { canonicalIp, ipInCidr } from "../http/client_ip.ts";

export interface MachineFacts {
  hostname: string;
  addresses: string[];
}

/** DNS names and IP addresses (canonical spelling), each list without duplicates. */
export interface NameSet {
  dns: string[];
  ips: string[];
}

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const DNS_NAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);

export function isDnsName(name: string): boolean {
  return DNS_NAME.test(name);
}

/** True for a name CAIRN_TLS_HOSTNAMES may hold: a DNS name or an IP address. */
export function isCertificateName(name: string): boolean {
  return isDnsName(name.toLowerCase()) || canonicalIp(name) !== null;
}

/** Reads the host name and addresses (needs --allow-sys under Deno). */
export function readMachineFacts(): MachineFacts {
  const addresses: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal) addresses.push(a.address);
  }
  return { hostname: hostname(), addresses };
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

/** The machine's host name as a DNS name, or null when it cannot be one (e.g. an underscore). */
export function machineName(facts: MachineFacts): string | null {
  const name = facts.hostname.trim().toLowerCase().replace(/\.$/, "");
  return isDnsName(name) ? name : null;
}

export function wantedNames(facts: MachineFacts, extra: string[]): NameSet {
  const host = machineName(facts);
  const dns = ["localhost", "cairn.local"];
  if (host && host !== "localhost") dns.unshift(host, `${host.split(".")[0]}.local`);
  const ips = ["127.0.0.1", "::1"];
  for (const raw of facts.addresses) {
    const ip = canonicalIp(raw);
    if (ip && !ipInCidr(ip, "fe80::/10")) ips.push(ip);
  }
  for (const name of extra) {
    const ip = canonicalIp(name);
    if (ip) ips.push(ip);
    else if (isDnsName(name.toLowerCase())) dns.push(name.toLowerCase());
  }
  return { dns: unique(dns), ips: unique(ips) };
}

/** The names in `want` that `have` does not list. */
export function missingNames(have: NameSet, want: NameSet): string[] {
  const dns = new Set(have.dns);
  const ips = new Set(have.ips.map((ip) => canonicalIp(ip) ?? ip));
  return [...want.dns.filter((n) => !dns.has(n)), ...want.ips.filter((ip) => !ips.has(ip))];
}
