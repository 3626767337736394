/**
 * The standby appliance in Debian's Chromium, two real appliances on loopback: the primary's
 * admin makes a pairing code in Settings (shown once, with the two lines for the standby), a
 * standby starts with them; both cards show the same two fingerprints crosswise; the standby
 * shows its banner on every page and a write there gets the standby's own message; the primary
 * stops, the standby is promoted from its card with the typed confirmation (it shows that it
 * waits for the primary's lease), and its card then shows a primary at the next epoch. With its
 * standby gone a primary shows the paused-writes banner on every page; an admin continues
 * without the standby after typing "detach". Needs the built PWA (`node scripts/build.mjs`).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { ADMIN_PASSWORD } from "../agents/procs.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { registerTestSecret } from "../helpers/log_capture.ts";
import { loopbackListen, startPrimary, startStandby, status, waitFor } from "../replication/rig.ts";
import type { Node } from "../replication/rig.ts";
import { screenshot, signIn } from "./pwa_helpers.ts";

const PHONE_390 = { width: 390, height: 844 };

/**
 * Both appliances are on 127.0.0.1 and the browser shares cookies across ports: signing in on
 * one signs the other page out. Goes to the page, signing in again when asked to.
 */
async function visit(page: Page, url: string) {
  await page.goto(url);
  const form = page.getByLabel("Username");
  const signedOut = await form.waitFor({ timeout: 1500 }).then(() => true, () => false);
  if (signedOut) {
    await signIn(page, "admin", ADMIN_PASSWORD);
    await page.goto(url);
  }
}

/** The banner looks at the status after the page loaded: give it a moment. */
function shows(page: Page, testId: string): Promise<boolean> {
  return page.getByTestId(testId).waitFor({ timeout: 2000 }).then(() => true, () => false);
}

async function card(page: Page) {
  const c = page.getByTestId("standby-card");
  await c.waitFor();
  await c.getByTestId("replication-role").waitFor();
  return c;
}

Deno.test("standby in the browser: pair, both fingerprints, banner, a refused write, promote", async () => {
  const primaryListen = loopbackListen();
  const standbyListen = loopbackListen();
  let primary: Node = await startPrimary({ listen: primaryListen });
  let standby: Node | null = null;
  const browser = await launchBrowser();
  const problems: string[] = [];
  const open = async (url: string, path: string) => {
    const page = await browser.newPage(PHONE_390);
    page.setDefaultTimeout(10_000);
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    await page.goto(new URL(path, url).href);
    await signIn(page, "admin", ADMIN_PASSWORD);
    return page;
  };
  try {
    // The primary: no standby yet; a pairing code with the standby's two lines.
    const p = await open(primary.url, "/settings");
    let pc = await card(p);
    assert.match(await pc.getByTestId("replication-role").textContent() ?? "", /Primary, epoch 1/);
    assert.equal(await p.getByTestId("standby-banner").count(), 0);
    await pc.getByRole("button", { name: "Make a pairing code" }).click();
    const lines = (await pc.getByTestId("standby-lines").innerText()).trim();
    const m = /^CAIRN_STANDBY_OF=(\S+)\nCAIRN_PAIRING_CODE=(\S+)$/.exec(lines);
    assert.ok(m, lines);
    registerTestSecret(m[2]);
    assert.equal(m[1], primary.url);
    await screenshot(p, "replication-pairing-code-phone");

    standby = await startStandby(m[1], { code: m[2], listen: standbyListen });
    await waitFor("standby in step", async () => (await status(standby!)).state === "ok");
    const ps = await status(primary);
    const ss = await status(standby);
    assert.equal(ps.peer?.fingerprint, ss.fingerprint);

    // Both cards, fingerprints crosswise.
    await p.reload();
    pc = await card(p);
    assert.equal(await pc.getByTestId("own-fingerprint").textContent(), ps.fingerprint);
    assert.equal(await pc.getByTestId("peer-fingerprint").textContent(), ss.fingerprint);
    const s = await open(standby.url, "/settings");
    let sc = await card(s);
    assert.match(await sc.getByTestId("replication-role").textContent() ?? "", /Standby/);
    assert.equal(await sc.getByTestId("own-fingerprint").textContent(), ss.fingerprint);
    assert.equal(await sc.getByTestId("peer-fingerprint").textContent(), ps.fingerprint);

    // The banner, on this page and another; a write answered with the standby's message.
    const banner = s.getByTestId("standby-banner");
    assert.equal(
      (await banner.textContent())?.trim(),
      `This appliance is a read-only standby; the primary is ${primary.url}.`,
    );
    await s.getByLabel("Appliance name").fill("the copy");
    await s.getByRole("button", { name: "Save name" }).click();
    const toast = s.locator(".toasts").getByText(/This appliance is a standby/);
    await toast.waitFor();
    assert.match((await toast.textContent())!, new RegExp(`the primary is ${primary.url}`));
    await screenshot(s, "replication-standby-phone");
    await s.goto(new URL("/hosts", standby.url).href);
    await banner.waitFor();

    // The standby goes away: the primary's writes pause (a banner on every page), and its card
    // offers to continue without the standby.
    await standby.kill();
    await waitFor("the primary paused writes", async () => {
      await visit(p, new URL("/hosts", primary.url).href);
      return await shows(p, "writes-paused-banner");
    });
    assert.match(
      await p.getByTestId("writes-paused-banner").textContent() ?? "",
      /Writes are paused.*Agents keep their reports/,
    );
    await visit(p, new URL("/settings", primary.url).href);
    pc = await card(p);
    const detachButton = pc.getByRole("button", { name: "Continue without the standby" });
    await pc.getByLabel('Type "detach" to confirm').fill("yes");
    assert.equal(await detachButton.isDisabled(), true);
    await screenshot(p, "replication-writes-paused-phone");
    standby = await startStandby(m[1], { dataDir: standby.dataDir, listen: standbyListen });
    await waitFor("the primary holds the lease again", async () => {
      return !(await status(primary)).lease.writesPaused;
    });

    // The primary goes away; promotion needs the typed word and waits out the lease.
    await primary.stop();
    await visit(s, new URL("/settings", standby.url).href);
    sc = await card(s);
    const promote = sc.getByRole("button", { name: "Promote this appliance" });
    assert.equal(await promote.isDisabled(), true);
    await sc.getByLabel('Type "promote" to confirm').fill("Promote!");
    assert.equal(await promote.isDisabled(), true);
    await sc.getByLabel('Type "promote" to confirm').fill("promote");
    await promote.click();
    await sc.getByTestId("promote-waiting").waitFor();
    assert.match(
      await sc.getByTestId("promote-waiting").textContent() ?? "",
      /Waiting for the primary's lease to end/,
    );
    await screenshot(s, "replication-promote-waiting-phone");
    await s.locator(".toasts").getByText("This appliance is now the primary").waitFor({
      timeout: 15_000,
    });
    await waitFor(
      "the card shows a primary",
      async () =>
        /Primary, epoch 2/.test(await sc.getByTestId("replication-role").textContent() ?? ""),
    );
    assert.equal(await sc.getByRole("button", { name: "Make a pairing code" }).count(), 1);
    await s.goto(new URL("/settings", standby.url).href);
    await card(s);
    assert.equal(await s.getByTestId("standby-banner").count(), 0);
    await screenshot(s, "replication-promoted-phone");
    // Writes are taken now.
    await s.getByLabel("Appliance name").fill("the new primary");
    await s.getByRole("button", { name: "Save name" }).click();
    await s.locator(".toasts").getByText("Name saved").waitFor();

    // The old primary returns and follows; then it goes away for good: the new primary pauses,
    // and its admin continues without it.
    primary = await startPrimary({ dataDir: primary.dataDir, listen: primaryListen });
    await waitFor("the old primary follows", async () => {
      const st = await status(primary);
      return st.role === "standby" && st.state === "ok";
    });
    await waitFor("the new primary holds the lease", async () => {
      return (await status(standby!)).lease.heldForMs !== null;
    });
    await primary.kill();
    await waitFor("the new primary paused writes", async () => {
      await s.goto(new URL("/settings", standby!.url).href);
      return await shows(s, "writes-paused-banner");
    });
    sc = await card(s);
    await sc.getByLabel('Type "detach" to confirm').fill("detach");
    await sc.getByRole("button", { name: "Continue without the standby" }).click();
    await s.locator(".toasts").getByText(/The standby is detached/).waitFor();
    await s.goto(new URL("/settings", standby.url).href);
    await card(s);
    assert.equal(await s.getByTestId("writes-paused-banner").count(), 0);
    await screenshot(s, "replication-detached-phone");
    await s.getByLabel("Appliance name").fill("alone");
    await s.getByRole("button", { name: "Save name" }).click();
    await s.locator(".toasts").getByText("Name saved").waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await standby?.stop();
    await primary.stop();
    await standby?.cleanup();
    await primary.cleanup();
  }
});
