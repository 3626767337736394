/**
 * Web Push on this device, in plain terms: whether it can work here at all (a secure context, a
 * service worker, the Push and Notification APIs), what the user decided, and the few
 * conversions the opt-in needs. Pure, so it is tested without a browser.
 */

export type PushState = "unsupported" | "insecure" | "granted" | "denied" | "default";

export interface PushEnvironment {
  isSecureContext: boolean;
  hasServiceWorker: boolean;
  hasPushManager: boolean;
  /** Notification.permission, or null when the Notification API is missing. */
  permission: NotificationPermission | null;
}

export function readEnvironment(g: typeof globalThis = globalThis): PushEnvironment {
  const N = (g as { Notification?: { permission: NotificationPermission } }).Notification;
  return {
    isSecureContext: g.isSecureContext === true,
    hasServiceWorker: typeof navigator !== "undefined" && "serviceWorker" in navigator,
    hasPushManager: "PushManager" in g,
    permission: N ? N.permission : null,
  };
}

/** Secure context first: over plain HTTP on a LAN address the APIs are simply missing. */
export function pushState(env: PushEnvironment): PushState {
  if (!env.isSecureContext) return "insecure";
  if (!env.hasServiceWorker || !env.hasPushManager || env.permission === null) {
    return "unsupported";
  }
  return env.permission;
}

export const STATE_WORDS: Record<PushState, { label: string; text: string }> = {
  granted: {
    label: "Allowed",
    text: "This browser may show Cairn's notifications.",
  },
  denied: {
    label: "Blocked",
    text: "Notifications are blocked for Cairn in this browser. Allow them in the site settings " +
      "(the lock or info icon beside the address), then come back.",
  },
  unsupported: {
    label: "Not supported",
    text:
      "This browser cannot receive push notifications. On an iPhone or iPad, add Cairn to the " +
      "home screen first and open it from there.",
  },
  insecure: {
    label: "Needs HTTPS",
    text: "Push needs a secure connection. Open Cairn over HTTPS (trust the appliance's " +
      "certificate from Settings) and enable notifications there.",
  },
  default: {
    label: "Not asked yet",
    text: "Enable notifications to hear about failures on this device, even when Cairn is closed.",
  },
};

/** The VAPID public key (base64url) as the bytes pushManager.subscribe() wants. */
export function base64UrlToBytes(s: string): Uint8Array<ArrayBuffer> {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** "Chrome on Android", "Safari on iPhone", "Firefox on Linux": a name the user recognises. */
export function deviceLabel(ua: string): string {
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
    ? "Firefox"
    : /(Chrome|Chromium|CriOS)\//.test(ua)
    ? "Chrome"
    : /Safari\//.test(ua)
    ? "Safari"
    : "Browser";
  const system = /iPhone/.test(ua)
    ? "iPhone"
    : /iPad/.test(ua)
    ? "iPad"
    : /Android/.test(ua)
    ? "Android"
    : /Windows/.test(ua)
    ? "Windows"
    : /Mac OS X|Macintosh/.test(ua)
    ? "Mac"
    : /Linux|X11/.test(ua)
    ? "Linux"
    : "this device";
  return `${browser} on ${system}`;
}

/** What the appliance keeps of a subscription: PushSubscription.toJSON() plus a label. */
export function subscriptionBody(
  sub: { endpoint?: string; expirationTime?: number | null; keys?: Record<string, string> },
  label: string,
) {
  return {
    endpoint: sub.endpoint ?? "",
    expirationTime: sub.expirationTime ?? null,
    keys: { p256dh: sub.keys?.p256dh ?? "", auth: sub.keys?.auth ?? "" },
    label: label.slice(0, 80),
  };
}
