/**
 * A new version of the app waits for the user: after the appliance is upgraded, the page offers
 * "Update available — reload", and the new service worker takes over only when asked. The
 * appliance serves a copy of the built PWA (CAIRN_PWA_DIR) so the test can change its worker,
 * and comes back on the same port so the browser sees the same origin.
 */
import assert from "node:assert/strict";
import { appendFile, cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../server/paths.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { startServerProcess } from "../helpers/server_process.ts";
import { screenshot, waitForServiceWorker } from "./pwa_helpers.ts";

Deno.test("an upgraded appliance offers 'Update available — reload' and the new worker takes over on request", async () => {
  const pwaDir = await mkdtemp(join(tmpdir(), "cairn-pwa-"));
  await cp(join(PROJECT_ROOT, "pwa", "dist"), pwaDir, { recursive: true });
  const env = { CAIRN_PWA_DIR: pwaDir };
  let server = await startServerProcess({ env });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(server.url);
    await page.getByRole("heading", { name: "Welcome to Cairn" }).waitFor();
    await waitForServiceWorker(page);
    assert.equal(await page.getByText("Update available").count(), 0);

    await server.stop();
    await appendFile(join(pwaDir, "sw.js"), "\n// the next version\n");
    server = await startServerProcess({
      env,
      dataDir: server.dataDir,
      listen: `127.0.0.1:${server.port}`,
    });

    await page.reload();
    const prompt = page.getByRole("status").filter({ hasText: "Update available" });
    await prompt.waitFor();
    assert.equal(
      await page.evaluate(async () =>
        (await navigator.serviceWorker.getRegistration())?.waiting?.state
      ),
      "installed",
      "the new worker waits for the user",
    );
    await screenshot(page, "update-prompt-desktop-light");

    await Promise.all([
      page.waitForEvent("load"),
      prompt.getByRole("button", { name: "Reload" }).click(),
    ]);
    await page.getByRole("heading", { name: "Welcome to Cairn" }).waitFor();
    await waitForServiceWorker(page);
    const after = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return { waiting: reg?.waiting ?? null, active: reg?.active?.state };
    });
    assert.deepEqual(after, { waiting: null, active: "activated" });
    assert.equal(await page.getByText("Update available").count(), 0);
  } finally {
    await browser.close();
    await server.stop();
    await server.cleanup();
    await rm(pwaDir, { recursive: true, force: true });
  }
});
