/**
 * The suite-wide secret scan's two halves. Tests register every secret they hand to Cairn
 * (`testSecret`), and everything Cairn writes where a person could read it — server and agent
 * log lines, job logs, report bodies — is appended to files under one directory (`captureLog`).
 * After all test files ran, scripts/test.mjs looks for every registered secret in every
 * captured file (scripts/secret_scan.mjs) and counts a find as a failed test.
 *
 * The directory comes from CAIRN_TEST_LOG_DIR, which the test runner sets; a test run on its own
 * (`deno test file`) captures nothing and the helpers cost nothing.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

function captureDir(): string | null {
  return Deno.env.get("CAIRN_TEST_LOG_DIR") ?? null;
}

/**
 * A fresh secret that nothing else contains (so a find is never a coincidence), registered for
 * the scan. `label` only makes it readable: "restic-pass" → "restic-pass-3f9c…".
 */
export function testSecret(label: string): string {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(12)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  const secret = `${label}-${random}`;
  registerTestSecret(secret);
  return secret;
}

/** Registers a secret a test had to spell out itself (a fixture's password). */
export function registerTestSecret(secret: string): void {
  const dir = captureDir();
  if (!dir || secret.length < 8) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, "secrets.list"), JSON.stringify(secret) + "\n");
}

/** Appends lines a process or Cairn wrote to the capture file named `source`. */
export function captureLog(source: string, lines: string | string[]): void {
  const dir = captureDir();
  if (!dir) return;
  const text = Array.isArray(lines) ? lines.join("\n") : lines;
  if (!text) return;
  mkdirSync(dir, { recursive: true });
  const name = source.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 80);
  appendFileSync(join(dir, `${name}.log`), text.endsWith("\n") ? text : text + "\n");
}
