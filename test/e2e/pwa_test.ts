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
      await readLocalState(page, { waitFor: "dashboard" }).then(Object.keys).then((k) => k.sort()),
      ["dashboard", "me"],
    );

    await page.getByRole("heading", { name: "No hosts yet: add your first host" }).waitFor();
    assert.equal(await tileValue(page, "Users").textContent(), "1");
    assert.equal(await tileValue(page, "Hosts").textContent(), "0");
    // setup, logout and login were audited in the last 24 hours
    assert.equal(await tileValue(page, "Audit events, 24 h").textContent(), "3");
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
