/**
 * The client's address. X-Forwarded-For is honoured only when the direct peer is one of the
 * trusted proxies; then the right-most address that is not itself a trusted proxy is the client.
 */

function ipv4ToInt(ip: string): number | null {
  const parts = ip.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    const x = Number(p);
    if (!/^\d{1,3}$/.test(p) || x > 255) return null;
    n = n * 256 + x;
  }
  return n;
}

function expandIpv6(ip: string): bigint | null {
  const [head, tail] = ip.split("::");
  if (ip.split("::").length > 2) return null;
  const h = head ? head.split(":") : [];
  const t = tail !== undefined ? (tail ? tail.split(":") : []) : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

export function normalizeIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1] : ip;
}

export function ipInCidr(ipRaw: string, cidr: string): boolean {
  const ip = normalizeIp(ipRaw);
  const [base, bitsRaw] = cidr.split("/");
  const v4 = ipv4ToInt(ip);
  const b4 = ipv4ToInt(base);
  if (v4 !== null && b4 !== null) {
    const bits = bitsRaw === undefined ? 32 : Number(bitsRaw);
    if (bits === 0) return true;
    const mask = bits >= 32 ? 0xffffffff : (~((1 << (32 - bits)) - 1)) >>> 0;
    return ((v4 & mask) >>> 0) === ((b4 & mask) >>> 0);
  }
  const v6 = expandIpv6(ip);
  const b6 = expandIpv6(base);
  if (v6 === null || b6 === null) return false;
  const bits = BigInt(bitsRaw === undefined ? 128 : Number(bitsRaw));
  const shift = 128n - bits;
  return (v6 >> shift) === (b6 >> shift);
}

export function clientIp(
  peer: string,
  forwardedFor: string | undefined,
  trusted: string[],
): string {
  const direct = normalizeIp(peer);
  const isTrusted = (ip: string) => trusted.some((c) => ipInCidr(ip, c));
  if (!forwardedFor || trusted.length === 0 || !isTrusted(direct)) return direct;
  const hops = forwardedFor.split(",").map((s) => normalizeIp(s.trim())).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!isTrusted(hops[i])) return hops[i].slice(0, 64);
  }
  return direct;
}

export function isTrustedPeer(peer: string, trusted: string[]): boolean {
  return trusted.some((c) => ipInCidr(normalizeIp(peer), c));
}
