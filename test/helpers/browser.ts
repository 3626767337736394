/**
 * Debian's Chromium through playwright-core, each launch with a fresh profile dir that close()
 * removes. A persistent context is used because it is the one kind that keeps a service worker
 * and IndexedDB across reloads exactly like a user's browser; `env` lets a test point Chromium at
 * its own NSS database (HOME) when it must trust a local CA.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Viewport {
  width: number;
  height: number;
}

export const PHONE: Viewport = { width: 360, height: 640 };
export const DESKTOP: Viewport = { width: 1280, height: 800 };

export interface Browser {
  context: BrowserContext;
  /** The profile dir, for tests that look at what the browser stored. */
  profileDir: string;
  /** A new tab, sized to `viewport` (desktop by default). */
  newPage(viewport?: Viewport): Promise<Page>;
  /** Closes Chromium and removes its profile dir. */
  close(): Promise<void>;
}

/**
 * playwright-core probes for WSL when it loads by testing /proc/sys/fs/binfmt_misc/WSLInterop,
 * a path Deno refuses without --allow-all, so the import would throw under the test runner's
 * explicit permissions. Its own test switch skips the probe (it only matters for opening
 * desktop apps, which Cairn never does); the package is therefore loaded after setting it.
 */
async function loadChromium() {
  Deno.env.set("__IS_WSL_TEST__", "1");
  return (await import("playwright-core")).chromium;
}

export async function launchBrowser(opts: {
  ignoreHttpsErrors?: boolean;
  env?: Record<string, string>;
  colorScheme?: "light" | "dark";
} = {}): Promise<Browser> {
  const chromium = await loadChromium();
  const profileDir = await mkdtemp(join(tmpdir(), "cairn-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      ignoreHTTPSErrors: opts.ignoreHttpsErrors ?? false,
      env: opts.env ? { ...Deno.env.toObject(), ...opts.env } : undefined,
      colorScheme: opts.colorScheme ?? "light",
      viewport: DESKTOP,
    });
  } catch (err) {
    await rm(profileDir, { recursive: true, force: true });
    throw err;
  }
  const handedOut = new Set<Page>();
  return {
    context,
    profileDir,
    async newPage(viewport = DESKTOP) {
      // A persistent context opens with one blank tab: use it first so no stray tab lingers.
      const blank = context.pages().find((p) => !handedOut.has(p) && p.url() === "about:blank");
      const page = blank ?? await context.newPage();
      handedOut.add(page);
      await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await context.close();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}
