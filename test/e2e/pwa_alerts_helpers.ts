/**
 * Helpers shared by the alerts and schedules browser tests: polling with a deadline, and
 * screenshots in both themes (copied to docs/screenshots only with CAIRN_UPDATE_SCREENSHOTS=1, so
 * a test run leaves tracked files alone).
 */
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { PROJECT_ROOT } from "../../server/paths.ts";
import { screenshot, SCREENSHOTS } from "./pwa_helpers.ts";

/** Polls `probe` until it gives a value (not null, undefined or false), or fails after 40 s. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 40_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== null && got !== undefined && got !== false) return got;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function shoot(page: Page, name: string, part?: Locator) {
  let path: string;
  if (part) {
    await mkdir(SCREENSHOTS, { recursive: true });
    path = join(SCREENSHOTS, `${name}.png`);
    await part.screenshot({ path });
  } else path = await screenshot(page, name);
  if (Deno.env.get("CAIRN_UPDATE_SCREENSHOTS") !== "1") return;
  const docs = join(PROJECT_ROOT, "docs", "screenshots");
  await mkdir(docs, { recursive: true });
  await copyFile(path, join(docs, `${name}.png`));
}

/** The page (or just `part` of it) as it is now, light then dark, under `name`. */
export async function shots(page: Page, name: string, part?: Locator) {
  // Toasts come and go; a picture for the docs shows the page under them.
  const close = page.getByRole("button", { name: "Dismiss message" });
  while (await close.count() > 0) await close.first().click();
  await shoot(page, `${name}-light`, part);
  await page.emulateMedia({ colorScheme: "dark" });
  await shoot(page, `${name}-dark`, part);
  await page.emulateMedia({ colorScheme: "light" });
}
