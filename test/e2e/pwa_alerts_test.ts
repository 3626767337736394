/**
 * Alerts, notification settings and Web Push in Debian's Chromium against a real appliance. The
 * alert has a real cause: a simulated agent enrolls without a token and waits for approval
 * (host_pending); approving it resolves the alert. A webhook channel points at a local HTTP
 * server, so "Send test" is a real delivery. The push reaches the service worker through the
 * DevTools protocol (ServiceWorker.deliverPushMessage), as a push service would deliver it; the
 * notification it shows is read back, and its click handler is run in the worker's scope
 * (headless Chromium cannot click a system notification), which must bring the page to the
 * alert's host. Needs the built PWA (`node scripts/build.mjs`).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { AlertListView, PushPayload } from "../../server/contract/alerts.ts";
import type { AlertRuleView } from "../../server/contract/alerts.ts";
import { simAgent } from "../agents/sim.ts";
import { DESKTOP } from "../helpers/browser.ts";
import { testSecret } from "../helpers/log_capture.ts";
import { shots, waitFor } from "./pwa_alerts_helpers.ts";
import { adminApi, createAdmin, signIn, startRig, waitForServiceWorker } from "./pwa_helpers.ts";

const PHONE_390 = { width: 390, height: 844 };

async function activeAlerts(api: Awaited<ReturnType<typeof adminApi>>) {
  return (await api<AlertListView>("GET", "/api/alerts?state=active")).alerts;
}

Deno.test("alerts in the browser: a waiting host raises one, it leads the dashboard, is acknowledged, then resolved", async () => {
  const rig = await startRig();
  try {
    await createAdmin(rig.server.url);
    const api = await adminApi(rig.server.url);
    const host = await simAgent(rig.server.url, { name: "laptop-7" });
    // A change to the host makes the engine look at pending hosts now, not at its next tick.
    await api("PATCH", `/api/hosts/${host.hostId}`, { tags: ["laptop"] });
    const alert = await waitFor(
      "the host_pending alert",
      async () =>
        (await activeAlerts(api)).find((a) =>
          a.rule === "host_pending" && a.hostId === host.hostId
        ),
    );
    assert.equal(alert.link, `/hosts/${host.hostId}`);

    const page = await rig.open("/", PHONE_390);
    await signIn(page, "admin");
    const attention = page.getByRole("region", { name: "Needs attention" });
    await attention.waitFor();
    assert.match(await attention.textContent() ?? "", /laptop-7 waits for approval/);
    await page.getByRole("button", { name: "Menu" }).click();
    assert.match(
      await page.getByTestId("alert-count").textContent() ?? "",
      /^:?1 alert$/,
      "the nav counts the open alert",
    );
    await page.getByRole("button", { name: "Menu" }).click();
    await shots(page, "alerts-dashboard-phone");

    // The alerts page: severity, words, where, and the link to its cause.
    await page.setViewportSize(DESKTOP);
    await page.goto(new URL("/alerts", rig.server.url).href);
    const card = page.locator(`[data-alert="${alert.id}"]`);
    await card.waitFor();
    assert.match(await card.textContent() ?? "", /Host waiting for approval/);
    assert.equal(
      await card.getByRole("link", { name: "Open the host" }).getAttribute("href"),
      `/hosts/${host.hostId}`,
    );
    await shots(page, "alerts-page-desktop");
    await page.setViewportSize(PHONE_390);
    await shots(page, "alerts-page-phone");
    await page.setViewportSize(DESKTOP);

    // Filters live in the address; a severity with nothing in it empties the list.
    const other = alert.severity === "info" ? "critical" : "info";
    await page.getByLabel("Severity").selectOption(other);
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(new RegExp(`severity=${other}`));
    await page.getByText("Nothing needs attention").waitFor();
    await page.goto(new URL("/alerts", rig.server.url).href);

    await card.getByRole("button", { name: "Acknowledge" }).click();
    await card.getByText("Acknowledged", { exact: true }).waitFor();
    const acked = (await activeAlerts(api)).find((a) => a.id === alert.id);
    assert.equal(acked?.state, "acknowledged");
    assert.equal(acked?.acknowledgedBy, "admin");

    // Rules (admins): a figure that is not a number is refused here; a good one is saved.
    await page.getByRole("link", { name: "Rules" }).click();
    const offline = page.locator('form[data-rule="host_offline"]');
    await offline.waitFor();
    await offline.getByLabel("Minutes offline").fill("soon");
    await offline.getByRole("button", { name: "Save" }).click();
    await offline.getByText("must be a number").waitFor();
    await offline.getByLabel("Minutes offline").fill("45");
    await offline.getByRole("button", { name: "Save" }).click();
    await waitFor("the rule saved", async () => {
      const { rules } = await api<{ rules: AlertRuleView[] }>("GET", "/api/alert-rules");
      return rules.find((r) => r.rule === "host_offline")?.params.minutes === 45 || null;
    });
    await shots(page, "alerts-rules-desktop");

    // Approving the host takes the cause away: the alert moves to the history, resolved.
    await api("POST", `/api/hosts/${host.hostId}/approve`, {});
    await waitFor(
      "the alert resolved",
      async () => (await activeAlerts(api)).some((a) => a.id === alert.id) ? null : true,
    );
    await page.getByRole("link", { name: "History" }).click();
    const resolved = page.locator(`[data-alert="${alert.id}"]`);
    await resolved.waitFor();
    assert.match(await resolved.textContent() ?? "", /Resolved/);
    assert.equal(await resolved.getByRole("button", { name: "Acknowledge" }).count(), 0);
    assert.deepEqual(rig.problems, []);
  } finally {
    await rig.close();
  }
});

/** A local webhook receiver: what Cairn posts to it. */
function webhookReceiver() {
  const got: { body: string; signature: string | null }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    got.push({ body: await req.text(), signature: req.headers.get("x-cairn-signature") });
    return new Response(null, { status: 204 });
  });
  return { got, url: `http://127.0.0.1:${server.addr.port}/hook`, stop: () => server.shutdown() };
}

async function swNotifications(page: Page) {
  return await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return (await reg.getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      url: (n.data as { url?: string } | null)?.url ?? null,
    }));
  });
}

Deno.test("notifications in the browser: push opt-in states, a push shown and its click, a webhook channel tested", async () => {
  const rig = await startRig();
  const hook = webhookReceiver();
  try {
    await createAdmin(rig.server.url);
    const api = await adminApi(rig.server.url);
    const made = await api<{ secret: string }>("POST", "/api/enrollment-tokens", { name: "web-1" });
    const host = await simAgent(rig.server.url, { token: made.secret, name: "web-1" });

    const page = await rig.open("/settings");
    await signIn(page, "admin");
    await waitForServiceWorker(page);
    await page.getByRole("link", { name: "Notification settings" }).click();
    const state = page.getByTestId("push-state");
    await state.waitFor();
    assert.equal(await state.getAttribute("data-state"), "default");
    assert.equal(await state.textContent(), "Not asked yet");

    // Allowed for this origin: the card says so and offers to subscribe this device.
    await rig.browser.context.grantPermissions(["notifications"], { origin: rig.server.url });
    await page.reload();
    await state.waitFor();
    assert.equal(await state.getAttribute("data-state"), "granted");
    await page.getByRole("button", { name: "Enable notifications on this device" }).click();
    // Headless Chromium has no push service (no GCM), so subscribe() may be refused: then the
    // card says so and keeps offering; with one, the device is listed.
    await waitFor(
      "the subscribe attempt to end",
      async () =>
        (await page.getByText("could not be turned on").count()) > 0 ||
        (await page.locator("[data-device]").count()) > 0 || null,
    );

    // A push as the push service would hand it to the worker, through the DevTools protocol.
    const cdp = await rig.browser.context.newCDPSession(page);
    const registrations: { registrationId: string; scopeURL: string }[] = [];
    cdp.on(
      "ServiceWorker.workerRegistrationUpdated",
      (e) => registrations.push(...e.registrations),
    );
    await cdp.send("ServiceWorker.enable");
    const origin = new URL(rig.server.url).origin;
    const reg = await waitFor(
      "the worker's registration",
      () => Promise.resolve(registrations.find((r) => r.scopeURL === `${origin}/`)),
    );
    const worker = rig.browser.context.serviceWorkers().find((w) => w.url().endsWith("/sw.js"));
    assert.ok(worker, "the service worker is reachable");
    const payload: PushPayload = {
      title: "Backup failed on web-1",
      body: "Plan nightly: the repository is locked",
      url: `/hosts/${host.hostId}`,
      tag: "alert-alr_test",
      alertId: null,
      severity: "critical",
      event: "opened",
    };
    // DevTools hands a push only to a running worker (one stopped meanwhile drops it without a
    // word, unlike a push service's delivery, which starts it): each push wakes it first.
    const push = async (data: unknown) => {
      await worker.evaluate(() => true);
      await cdp.send("ServiceWorker.deliverPushMessage", {
        origin,
        registrationId: reg.registrationId,
        data: JSON.stringify(data),
      });
    };
    // A push can still be dropped when the worker stops between the wake and the delivery (a
    // loaded machine): deliver again until it shows (the same tag replaces, never doubles).
    const pushUntilShown = async (data: PushPayload, what: string) => {
      for (let attempt = 1;; attempt++) {
        await push(data);
        try {
          return await waitFor(
            what,
            async () => (await swNotifications(page)).find((n) => n.tag === data.tag),
            attempt < 6 ? 5_000 : 30_000,
          );
        } catch (err) {
          if (attempt >= 6) throw err;
        }
      }
    };
    const shown = await pushUntilShown(payload, "the notification");
    assert.deepEqual(shown, {
      title: payload.title,
      body: payload.body,
      tag: payload.tag,
      url: payload.url,
    });

    // A push whose url is not an app path opens the alerts page instead.
    const evil = await pushUntilShown(
      { ...payload, tag: "evil", url: "https://evil.example/" },
      "the second notification",
    );
    assert.equal(evil.url, "/alerts");

    // The click handler, run in the worker: the open Cairn window goes to the alert's host.
    await worker.evaluate(async (tag) => {
      const sw = self as unknown as {
        registration: ServiceWorkerRegistration;
        cairnOpenFromNotification(n: Notification): Promise<unknown>;
      };
      const [n] = await sw.registration.getNotifications({ tag });
      await sw.cairnOpenFromNotification(n);
      n.close();
    }, payload.tag);
    await page.waitForURL(new URL(`/hosts/${host.hostId}`, rig.server.url).href);
    await page.getByRole("heading", { name: "web-1", level: 1 }).waitFor();

    // A webhook channel with a signing secret: saved, shown as "set", tested for real.
    await page.goto(new URL("/settings/notifications", rig.server.url).href);
    await page.getByRole("button", { name: "Add channel" }).click();
    const editor = page.getByRole("form", { name: "Channel" });
    await editor.getByLabel("Kind").selectOption("webhook");
    await editor.getByLabel("Name", { exact: true }).fill("ops hook");
    await editor.getByLabel("URL", { exact: true }).fill("ftp://example.com/x");
    await editor.getByRole("button", { name: "Save channel" }).click();
    await editor.getByText("must be an http:// or https:// URL").waitFor();
    const secret = testSecret("hook-hmac");
    await editor.getByLabel("URL", { exact: true }).fill(hook.url);
    await editor.getByLabel("Signing secret").fill(secret);
    await editor.getByRole("button", { name: "Save channel" }).click();
    const channel = page.locator("[data-channel]", { hasText: "ops hook" });
    await channel.waitFor();
    assert.match(await channel.textContent() ?? "", /Signing secret set/);
    await channel.getByRole("button", { name: "Send test" }).click();
    await channel.getByTestId("test-result").waitFor();
    assert.match(await channel.getByTestId("test-result").textContent() ?? "", /Test sent/);
    assert.equal(hook.got.length, 1, "the receiver got the test");
    assert.match(hook.got[0].signature ?? "", /^sha256=[0-9a-f]{64}$/);
    await channel.getByRole("button", { name: "Delivery log" }).click();
    await channel.locator("[data-delivery]").first().waitFor();
    assert.equal(await page.getByText(secret).count(), 0, "the secret is never shown");
    assert.equal(await page.locator(`input[value="${secret}"]`).count(), 0);
    await shots(page, "notifications-settings-desktop");
    await page.setViewportSize(PHONE_390);
    await shots(page, "notifications-settings-phone");
    assert.deepEqual(rig.problems, []);
  } finally {
    await hook.stop();
    await rig.close();
  }
});
