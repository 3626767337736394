/**
 * The standby appliance in Debian's Chromium, two real appliances on loopback: the primary's
 * admin makes a pairing code in Settings (shown once, with the two lines for the standby), a
 * standby starts with them; both cards show the same two fingerprints crosswise; the standby
 * shows its banner on every page and a write there gets the standby's own message; the primary
 * stops, the standby is promoted from its card with the typed confirmation, and its card then
 * shows a primary at the next epoch. Needs the built PWA (`node scripts/build.mjs`).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { ADMIN_PASSWORD } from "../agents/procs.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { registerTestSecret } from "../helpers/log_capture.ts";
import { startPrimary, startStandby, status, waitFor } from "../replication/rig.ts";
import type { Node } from "../replication/rig.ts";
import { screenshot, signIn } from "./pwa_helpers.ts";

const PHONE_390 = { width: 390, height: 844 };

async function card(page: Page) {
  const c = page.getByTestId("standby-card");
  await c.waitFor();
  await c.getByTestId("replication-role").waitFor();
  return c;
}

Deno.test("standby in the browser: pair, both fingerprints, banner, a refused write, promote", async () => {
  const primary = await startPrimary();
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

    standby = await startStandby(m[1], { code: m[2] });
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

    // The primary goes away; promotion needs the typed word.
    await primary.stop();
    await s.goto(new URL("/settings", standby.url).href);
    sc = await card(s);
    const promote = sc.getByRole("button", { name: "Promote this appliance" });
    assert.equal(await promote.isDisabled(), true);
    await sc.getByLabel('Type "promote" to confirm').fill("Promote!");
    assert.equal(await promote.isDisabled(), true);
    await sc.getByLabel('Type "promote" to confirm').fill("promote");
    await promote.click();
    await s.locator(".toasts").getByText("This appliance is now the primary").waitFor();
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
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await standby?.stop();
    await primary.stop();
    await standby?.cleanup();
    await primary.cleanup();
  }
});
