/**
 * The admin screens in Chromium against a real appliance: an API token shown once, copied and
 * used, then revoked; the audit log paged with "Load more" and filtered; the appliance renamed.
 */
import assert from "node:assert/strict";
import { createAdmin, screenshot, signIn, startRig } from "./pwa_helpers.ts";

Deno.test("an API token is shown once, works, and is revoked; the audit log pages and filters", async () => {
  const rig = await startRig();
  try {
    await createAdmin(rig.server.url);
    await rig.browser.context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: rig.server.url,
    });
    const page = await rig.open("/tokens");
    await signIn(page, "admin");
    await page.getByRole("heading", { name: "API tokens" }).waitFor();
    await page.getByLabel("Name").fill("ci-runner");
    await page.getByLabel("Role").selectOption("admin");
    await page.getByRole("button", { name: "Create token" }).click();
    await page.getByRole("heading", { name: "Token “ci-runner” created" }).waitFor();
    const secret = (await page.getByLabel("Token secret").textContent())!;
    assert.ok(secret.length >= 20);
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.getByText("The secret is on the clipboard.").waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await screenshot(page, "token-created-desktop-light");

    // The token works: 55 renames make 55 audit entries, more than one page of the log.
    for (let i = 1; i <= 55; i++) {
      const res = await fetch(new URL("/api/settings", rig.server.url), {
        method: "PATCH",
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        body: JSON.stringify({ applianceName: `Lab ${i}` }),
      });
      await res.body?.cancel();
      assert.equal(res.status, 200);
    }
    await page.getByRole("button", { name: "Done" }).click();
    assert.equal(await page.getByText(secret).count(), 0, "the secret is gone from the page");

    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    const rows = page.locator("table tbody tr");
    await page.getByRole("button", { name: "Load more" }).waitFor();
    assert.equal(await rows.count(), 50);
    await page.getByRole("button", { name: "Load more" }).click();
    // setup, login, token.create and 55 settings.update
    await page.waitForFunction(() => document.querySelectorAll("table tbody tr").length === 58);
    assert.equal(await page.getByRole("button", { name: "Load more" }).count(), 0);
    await page.getByLabel("Action").fill("token.create");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForFunction(() => document.querySelectorAll("table tbody tr").length === 1);
    assert.match(await rows.first().textContent() ?? "", /admin.*token\.create/);
    await screenshot(page, "audit-desktop-light");

    await page.getByRole("link", { name: "API tokens" }).click();
    const row = page.getByRole("row", { name: /ci-runner/ });
    await row.waitFor();
    assert.doesNotMatch(await row.textContent() ?? "", /never/, "last used is shown");
    await row.getByRole("button", { name: "Revoke…" }).click();
    await row.getByRole("button", { name: "Revoke ci-runner" }).click();
    await row.getByText(/^Revoked/).waitFor();
    const after = await fetch(new URL("/api/dashboard", rig.server.url), {
      headers: { authorization: `Bearer ${secret}` },
    });
    await after.body?.cancel();
    assert.equal(after.status, 401);
    // Renamed in Settings, the appliance's name reaches the shell at once.
    await page.getByRole("link", { name: "Settings" }).click();
    const name = page.getByLabel("Appliance name");
    assert.equal(await name.inputValue(), "Lab 55");
    await name.fill("Backup lab");
    await page.getByRole("button", { name: "Save name" }).click();
    await page.getByRole("status").getByText("Name saved").waitFor();
    await page.waitForFunction(() => document.title === "Settings · Backup lab");
    assert.deepEqual(rig.problems, []);
  } finally {
    await rig.close();
  }
});
