/**
 * The client's address. X-Forwarded-For is honoured only when the direct peer is one of the
 * trusted proxies; then the right-most address that is not itself a trusted proxy is the client.
 * Addresses come out in one canonical spelling (IPv4-mapped IPv6 as IPv4, IPv6 compressed and
 * lower-case) so that one address is one lockout key however a proxy wrote it.
 */

export interface ParsedIp {
  family: 4 | 6;
  value: bigint;
}

function parseIpv4(ip: string): bigint | null {
  const parts = ip.split(".");
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = (n << 8n) + BigInt(p);
  }
  return n;
}

function parseIpv6(raw: string): bigint | null {
  let ip = raw;
  // A dotted IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) becomes two hex groups.
  const tail = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (tail) {
    const v4 = parseIpv4(tail[2]);
    if (v4 === null) return null;
    ip = `${tail[1]}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = ip.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 ? (halves[1] ? halves[1].split(":") : []) : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const groups = [...head, ...Array(halves.length === 2 ? fill : 0).fill("0"), ...rest];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

/** Parses an IPv4 or IPv6 address (no zone, no port); an IPv4-mapped IPv6 address counts as IPv4. */
export function parseIp(ip: string): ParsedIp | null {
  const v4 = parseIpv4(ip);
  if (v4 !== null) return { family: 4, value: v4 };
  if (!ip.includes(":")) return null;
  const v6 = parseIpv6(ip);
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

function formatIp(p: ParsedIp): string {
  if (p.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((p.value >> s) & 0xffn)).join(".");
  }
  const groups = Array.from({ length: 8 }, (_, i) => (p.value >> BigInt(112 - 16 * i)) & 0xffffn);
  // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0n) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

/** The canonical spelling of an address, or null when it is not one. */
export function canonicalIp(ip: string): string | null {
  const p = parseIp(ip);
  return p ? formatIp(p) : null;
}

function parseCidr(cidr: string): { base: ParsedIp; bits: number } | null {
  const [addr, bitsRaw, extra] = cidr.split("/");
  if (extra !== undefined) return null;
  const base = parseIp(addr);
  if (!base) return null;
  const max = base.family === 4 ? 32 : 128;
  // A mapped base (::ffff:10.0.0.0/104) is written against 128 bits; fold it to IPv4 bits.
  const mapped = base.family === 4 && addr.includes(":");
  if (bitsRaw === undefined) return { base, bits: max };
  if (!/^\d{1,3}$/.test(bitsRaw)) return null;
  const bits = Number(bitsRaw) - (mapped ? 96 : 0);
  if (bits < 0 || bits > max) return null;
  return { base, bits };
}

/** The CIDR block of `bits` leading bits around `ip`, host bits cleared (`10.1.2.0/24`). */
export function networkBlock(ip: string, bits: number): string | null {
  const p = parseIp(ip);
  const max = p?.family === 4 ? 32 : 128;
  if (!p || bits < 0 || bits > max) return null;
  const shift = BigInt(max - bits);
  return `${formatIp({ family: p.family, value: (p.value >> shift) << shift })}/${bits}`;
}

/** True for an address or a CIDR block (`10.0.0.0/8`, `fd00::/8`). */
export function isValidCidr(cidr: string): boolean {
  return parseCidr(cidr) !== null;
}

export function ipInCidr(ipRaw: string, cidr: string): boolean {
  const ip = parseIp(ipRaw);
  const block = parseCidr(cidr);
  if (!ip || !block || ip.family !== block.base.family) return false;
  const shift = BigInt((ip.family === 4 ? 32 : 128) - block.bits);
  return ip.value >> shift === block.base.value >> shift;
}

/** One X-Forwarded-For hop: an address, possibly with a port (`1.2.3.4:5678`, `[::1]:80`). */
function hopAddress(hop: string): string {
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return canonicalIp(bracketed[1]) ?? hop;
  const v4port = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(hop);
  if (v4port) return canonicalIp(v4port[1]) ?? hop;
  return canonicalIp(hop) ?? hop.slice(0, 64);
}

export function clientIp(
  peer: string,
  forwardedFor: string | undefined,
  trusted: string[],
): string {
  const direct = canonicalIp(peer) ?? peer;
  const isTrusted = (ip: string) => trusted.some((c) => ipInCidr(ip, c));
  if (!forwardedFor || trusted.length === 0 || !isTrusted(direct)) return direct;
  const hops = forwardedFor.split(",").map((s) => s.trim()).filter(Boolean).map(hopAddress);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!isTrusted(hops[i])) return hops[i];
  }
  return direct;
}

export function isTrustedPeer(peer: string, trusted: string[]): boolean {
  return trusted.some((c) => ipInCidr(peer, c));
}
