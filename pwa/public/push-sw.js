/*
 * Cairn's Web Push handling, pulled into the Workbox service worker (sw.js) by importScripts, so
 * the generated worker keeps doing the precaching and the update flow unchanged. Plain script:
 * it runs in the worker as is, without a build step.
 *
 * A push carries the PushPayload JSON of server/contract/alerts.ts (title, body, url, tag, ...).
 * The notification's tag replaces an earlier one of the same alert on the device. A click opens
 * the payload's url, a path inside the app: an open Cairn window is sent there and focused,
 * otherwise a new window opens. Anything that is not a plain app path opens the alerts page.
 */
/* global self, clients */
"use strict";

const FALLBACK_URL = "/alerts";

function appPath(url) {
  return typeof url === "string" && /^\/(?![/\\])[^\s]*$/.test(url) ? url : FALLBACK_URL;
}

function readPayload(data) {
  if (!data) return null;
  try {
    const p = data.json();
    return p && typeof p === "object" ? p : null;
  } catch (_err) {
    // Not JSON (a push service's own test message): show it as plain text below.
    return { body: data.text() };
  }
}

function notificationFor(p) {
  const str = (x) => (typeof x === "string" && x ? x : null);
  return {
    title: str(p && p.title) || "Cairn",
    options: {
      body: str(p && p.body) || "Something in your fleet needs attention.",
      tag: str(p && p.tag) || undefined,
      renotify: Boolean(str(p && p.tag)),
      requireInteraction: (p && p.severity) === "critical",
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      data: {
        url: appPath(p && p.url),
        alertId: str(p && p.alertId),
        event: str(p && p.event),
      },
    },
  };
}

self.addEventListener("push", (event) => {
  const n = notificationFor(readPayload(event.data));
  event.waitUntil(self.registration.showNotification(n.title, n.options));
});

/** Sends an open Cairn window to the notification's page, or opens one. */
async function openFromNotification(notification) {
  const path = appPath(notification && notification.data && notification.data.url);
  const target = new URL(path, self.location.origin).href;
  const windows = await clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((c) => new URL(c.url).origin === self.location.origin);
  if (!open) return await clients.openWindow(target);
  const moved = open.url === target ? open : (await open.navigate(target)) || open;
  try {
    await moved.focus();
  } catch (_err) {
    // focus() needs the click's user activation; the window is on the right page regardless.
  }
  return moved;
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openFromNotification(event.notification));
});

// For the end-to-end test, which reaches the worker's scope through the DevTools protocol (a
// headless browser cannot click a system notification). Pages cannot call it.
self.cairnOpenFromNotification = openFromNotification;
