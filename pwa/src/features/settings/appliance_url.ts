const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?)$/i;
const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

/** Which certificate name a phone is likeliest to reach: mDNS names, then other names, then IPv4. */
function reachability(name: string): number {
  if (name.endsWith(".local")) return 0;
  if (!IPV4.test(name) && !name.includes(":")) return name.includes(".") ? 1 : 2;
  return IPV4.test(name) ? 3 : 4;
}

/**
 * The address a phone should open. A page opened on the appliance itself (localhost) is no use
 * to a phone, so then the LAN name the certificate covers that a phone most likely resolves is
 * offered instead.
 */
export function applianceUrl(
  location: { protocol: string; hostname: string; port: string; origin: string },
  hostnames: string[],
): string {
  if (!LOOPBACK.test(location.hostname)) return location.origin;
  const lan = hostnames.filter((h) => !LOOPBACK.test(h))
    .map((h, i) => ({ h, rank: reachability(h) * 1000 + i }))
    .sort((a, b) => a.rank - b.rank)[0]?.h;
  if (!lan) return location.origin;
  const host = lan.includes(":") ? `[${lan}]` : lan;
  return `${location.protocol}//${host}${location.port ? `:${location.port}` : ""}`;
}
