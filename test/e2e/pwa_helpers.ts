/**
 * Helpers for the PWA's end-to-end tests: a real appliance process plus Debian's Chromium, the
 * first admin made through the API, sign-in through the UI, and a watch for CSP violations and
 * page errors (a strict CSP that silently blocks a script would otherwise pass unnoticed).
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { PROJECT_ROOT } from "../../server/paths.ts";
import { launchBrowser } from "../helpers/browser.ts";
import type { Browser, Viewport } from "../helpers/browser.ts";
import { startServerProcess } from "../helpers/server_process.ts";
import type { ServerProcess } from "../helpers/server_process.ts";

export const PASSWORD = "correct horse battery";
export const SCREENSHOTS = join(PROJECT_ROOT, "test-results", "screenshots");

export interface Rig {
  server: ServerProcess;
  browser: Browser;
  /** CSP violations and uncaught page errors seen so far. */
  problems: string[];
  open(path?: string, viewport?: Viewport): Promise<Page>;
  close(): Promise<void>;
}

export async function startRig(
  opts: { env?: Record<string, string>; listen?: string; dataDir?: string } = {},
): Promise<Rig> {
  if (!existsSync(join(PROJECT_ROOT, "pwa", "dist", "index.html"))) {
    throw new Error("pwa/dist is missing: run `node scripts/build.mjs` before the e2e tests");
  }
  const server = await startServerProcess(opts);
  let browser: Browser;
  try {
    browser = await launchBrowser();
  } catch (err) {
    await server.stop();
    await server.cleanup();
    throw err;
  }
  const problems: string[] = [];
  return {
    server,
    browser,
    problems,
    async open(path = "/", viewport) {
      const page = await browser.newPage(viewport);
      // Fail in seconds, not Playwright's 30 s: every step here takes well under a second.
      page.setDefaultTimeout(10_000);
      page.on("console", (m) => {
        if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      await page.goto(new URL(path, server.url).href);
      return page;
    },
    async close() {
      await browser.close();
      await server.stop();
      await server.cleanup();
    },
  };
}

/** Makes the first admin through the API, as `CAIRN_ADMIN_PASSWORD` or a script would. */
export async function createAdmin(url: string, username = "admin"): Promise<void> {
  const res = await fetch(new URL("/api/auth/setup", url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  await res.body?.cancel();
  if (res.status !== 201) throw new Error(`setup failed: HTTP ${res.status}`);
}

export async function signIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator(".shell #page-title").waitFor();
}

/** The figure a dashboard tile shows under `label`. */
export function tileValue(page: Page, label: string) {
  return page.locator(".stat", { has: page.getByText(label, { exact: true }) }).locator(
    ".stat__value",
  );
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Waits until the service worker controls the page (clientsClaim on first load). */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, {
    timeout: 10_000,
  });
}

/** What the app keeps in IndexedDB, by key (waits up to `timeoutMs` for `key` if given). */
export async function readLocalState(
  page: Page,
  opts: { waitFor?: string; timeoutMs?: number } = {},
): Promise<Record<string, unknown>> {
  return await page.evaluate(async ({ waitFor, timeoutMs }) => {
    // Opening a database that does not exist would create it empty and break the app's own open.
    const exists = async () => (await indexedDB.databases()).some((d) => d.name === "cairn");
    const readAll = async () =>
      !(await exists()) ? {} : await new Promise<Record<string, unknown>>((resolve, reject) => {
        const open = indexedDB.open("cairn");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("fleet-state")) {
            db.close();
            resolve({});
            return;
          }
          const store = db.transaction("fleet-state").objectStore("fleet-state");
          const out: Record<string, unknown> = {};
          const cursor = store.openCursor();
          cursor.onerror = () => reject(cursor.error);
          cursor.onsuccess = () => {
            const c = cursor.result;
            if (c) {
              out[String(c.key)] = c.value;
              c.continue();
            } else {
              db.close();
              resolve(out);
            }
          };
        };
      });
    const until = Date.now() + timeoutMs;
    for (;;) {
      const all = await readAll();
      if (!waitFor || waitFor in all || Date.now() > until) return all;
      await new Promise((r) => setTimeout(r, 50));
    }
  }, { waitFor: opts.waitFor, timeoutMs: opts.timeoutMs ?? 5000 });
}

/** An admin's API session: a function that calls the API with its cookie and CSRF token. */
export async function adminApi(url: string) {
  const login = await fetch(new URL("/api/auth/login", url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: PASSWORD }),
  });
  const cookie = /cairn_session=[^;]*/.exec(login.headers.get("set-cookie") ?? "")![0];
  const { csrfToken } = await login.json();
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(new URL(path, url), {
      method,
      headers: { cookie, "x-csrf-token": csrfToken, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  };
}
