/**
 * The PWA in Debian's Chromium against a real appliance process: first-run setup, sign-in, the
 * dashboard's real figures, the manifest and the service worker, offline opening from IndexedDB,
 * and what each role sees. Needs the built PWA (`node scripts/build.mjs`; `npm test` builds it).
 */
import assert from "node:assert/strict";
import { DESKTOP, PHONE } from "../helpers/browser.ts";
import {
  createAdmin,
  PASSWORD,
  readLocalState,
  screenshot,
  signIn,
  startRig,
  tileValue,
  waitForServiceWorker,
} from "./pwa_helpers.ts";

Deno.test("first-run setup, sign out, sign in: the dashboard shows real figures and what to do next", async () => {
  const rig = await startRig();
  try {
    const page = await rig.open("/", PHONE);
    await page.getByRole("heading", { name: "Welcome to Cairn" }).waitFor();
    assert.equal(await page.title(), "Set up · Cairn");
    await screenshot(page, "setup-phone-light");
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Password again").fill(PASSWORD);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();

    // Setup is closed for everyone else now.
    const state = await (await fetch(new URL("/api/auth/state", rig.server.url))).json();
    assert.deepEqual(state, { setupRequired: false });

    await page.getByRole("button", { name: "Menu" }).click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(page, "admin");
    assert.deepEqual(
      await readLocalState(page, { waitFor: "attention" }).then(Object.keys).then((k) => k.sort()),
      ["attention", "dashboard", "me"],
    );

    await page.getByRole("heading", { name: "No hosts yet: add your first host" }).waitFor();
    assert.equal(await tileValue(page, "Users").textContent(), "1");
    assert.equal(await tileValue(page, "Hosts").textContent(), "0");
    // setup, logout and login were audited in the last 24 hours
    assert.equal(await tileValue(page, "Audit events (24 h)").textContent(), "3");
    assert.equal(await page.title(), "Dashboard · Cairn");
    await screenshot(page, "dashboard-phone-light");
    await page.emulateMedia({ colorScheme: "dark" });
    await screenshot(page, "dashboard-phone-dark");
    await page.setViewportSize(DESKTOP);
    await screenshot(page, "dashboard-desktop-dark");
    await page.emulateMedia({ colorScheme: "light" });
    await screenshot(page, "dashboard-desktop-light");

    // Signing out forgets the fleet state kept on the device.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    assert.deepEqual(await readLocalState(page), {});
    assert.deepEqual(rig.problems, []);
  } finally {
    await rig.close();
  }
});

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  assert.deepEqual([...bytes.subarray(0, 8)], signature, "not a PNG");
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

Deno.test("the manifest is valid, its icons load at their sizes, and the service worker controls the page", async () => {
  const rig = await startRig();
  try {
    await createAdmin(rig.server.url);
    const page = await rig.open("/");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await waitForServiceWorker(page);
    const controller = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);
    assert.equal(controller, new URL("/sw.js", rig.server.url).href);

    const href = await page.locator('link[rel="manifest"]').getAttribute("href");
    const res = await fetch(new URL(href!, rig.server.url));
    assert.match(res.headers.get("content-type") ?? "", /^application\/manifest\+json/);
    const manifest = await res.json();
    assert.equal(manifest.name, "Cairn");
    assert.equal(manifest.short_name, "Cairn");
    assert.ok(manifest.description.length > 10);
    assert.equal(manifest.display, "standalone");
    assert.equal(manifest.start_url, "/");
    assert.equal(manifest.scope, "/");
    assert.match(manifest.theme_color, /^#[0-9a-f]{6}$/i);
    assert.match(manifest.background_color, /^#[0-9a-f]{6}$/i);
    const icons: { src: string; sizes: string; type: string; purpose?: string }[] = manifest.icons;
    assert.deepEqual(icons.map((i) => `${i.sizes} ${i.purpose ?? "any"}`).sort(), [
      "192x192 any",
      "512x512 any",
      "512x512 maskable",
    ]);
    const apple = await page.locator('link[rel="apple-touch-icon"]').getAttribute("href");
    for (const icon of [...icons, { src: apple!, sizes: "180x180", type: "image/png" }]) {
      const got = await fetch(new URL(icon.src, rig.server.url));
      assert.equal(got.status, 200, icon.src);
      assert.equal(got.headers.get("content-type"), icon.type);
      const { width, height } = pngSize(new Uint8Array(await got.arrayBuffer()));
      assert.equal(`${width}x${height}`, icon.sizes, icon.src);
    }
    assert.equal(await page.locator('meta[name="theme-color"]').count(), 2);

    // The appliance's CSP allows no inline code: the shell must have none.
    const html = await (await fetch(rig.server.url)).text();
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) assert.match(tag, /\ssrc=/);
    assert.doesNotMatch(html, /<style\b|\sstyle=/);

    // Nothing from /api/ is ever in the service worker's caches.
    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) {
        for (const req of await (await caches.open(name)).keys()) urls.push(req.url);
      }
      return urls;
    });
    assert.ok(cached.some((u) => new URL(u).pathname === "/index.html"), "the shell is precached");
    assert.deepEqual(cached.filter((u) => new URL(u).pathname.startsWith("/api/")), []);
    assert.deepEqual(rig.problems, []);
  } finally {
    await rig.close();
  }
});

Deno.test("with the network cut, a reload still shows the dashboard with its last-synced mark", async () => {
  const rig = await startRig();
  try {
    await createAdmin(rig.server.url);
    const page = await rig.open("/", PHONE);
    await signIn(page, "admin");
    await waitForServiceWorker(page);
    assert.equal(await tileValue(page, "Users").textContent(), "1");
    await readLocalState(page, { waitFor: "dashboard" });

    await rig.browser.context.setOffline(true);
    await page.reload();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    const mark = page.getByRole("status").filter({ hasText: "Offline" });
    await mark.waitFor();
    assert.match(await mark.textContent() ?? "", /Offline\s*— last synced .+\(just now\)/);
    assert.equal(await tileValue(page, "Users").textContent(), "1");
    await screenshot(page, "dashboard-offline-phone-light");

    // A deep link to a lazily loaded screen opens offline too (shell and chunks are precached).
    await page.goto(new URL("/settings", rig.server.url).href);
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    await page.getByText("The appliance cannot be reached right now.").waitFor();

    // Back online, the page notices by itself: the mark goes and the session is confirmed.
    await rig.browser.context.setOffline(false);
    await mark.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Menu" }).click();
    await page.getByRole("link", { name: "Dashboard", exact: true }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    assert.equal(await page.getByText("Offline").count(), 0);
    assert.deepEqual(rig.problems, []);
  } finally {
    await rig.browser.context.setOffline(false);
    await rig.close();
  }
});

Deno.test("an admin adds a viewer, and the viewer sees no admin screens", async () => {
  const rig = await startRig();
  try {
    await createAdmin(rig.server.url);
    const page = await rig.open("/users");
    await signIn(page, "admin");
    // Signed in on a deep link: the app stays on it.
    await page.getByRole("heading", { name: "Users" }).waitFor();
    assert.equal(await page.title(), "Users · Cairn");
    const form = page.getByRole("region", { name: "Add a user" });
    await form.getByLabel("Username").fill("vera");
    await form.getByLabel("Password").fill(PASSWORD);
    await form.getByLabel("Role").selectOption("viewer");
    await form.getByRole("button", { name: "Add user" }).click();
    await page.getByRole("rowheader", { name: "vera" }).waitFor();
    await page.getByRole("status").getByText("User vera added").waitFor();
    await screenshot(page, "users-desktop-light");

    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(page, "vera");
    const nav = page.getByRole("navigation", { name: "Main" });
    assert.deepEqual(await nav.getByRole("link").allTextContents(), [
      "Dashboard",
      "Hosts",
      "Restore",
      "Alerts",
      "Plans",
      "Jobs",
      "Repositories",
      "Settings",
    ]);

    // Keyboard: the first Tab reaches the skip link, which jumps over the navigation.
    await page.reload();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "main");

    // The theme choice is remembered across reloads.
    await page.getByRole("radio", { name: "Dark" }).check();
    await page.reload();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    assert.equal(await page.locator("html").getAttribute("data-theme"), "dark");
    assert.equal(await page.getByRole("radio", { name: "Dark" }).isChecked(), true);
    await screenshot(page, "dashboard-viewer-desktop-dark");

    await page.goto(new URL("/audit", rig.server.url).href);
    await page.getByRole("heading", { name: "Not allowed" }).waitFor();
    await page.goto(new URL("/settings", rig.server.url).href);
    await page.getByRole("heading", { name: "Your password" }).waitFor();
    assert.equal(await page.getByLabel("Appliance name").count(), 0);
    assert.deepEqual(rig.problems, []);
  } finally {
    await rig.close();
  }
});
