const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?)$/i;

/**
 * The address a phone should open. A page opened on the appliance itself (localhost) is no use
 * to a phone, so then the first LAN name the certificate covers is offered instead.
 */
export function applianceUrl(
  location: { protocol: string; hostname: string; port: string; origin: string },
  hostnames: string[],
): string {
  if (!LOOPBACK.test(location.hostname)) return location.origin;
  const lan = hostnames.find((h) => !LOOPBACK.test(h));
  if (!lan) return location.origin;
  const host = lan.includes(":") ? `[${lan}]` : lan;
  return `${location.protocol}//${host}${location.port ? `:${location.port}` : ""}`;
}
