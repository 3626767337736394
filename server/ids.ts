import { createHash } from "node:crypto";

/** Time-sortable ids (ULID layout: 48-bit ms time + 80 random bits, Crockford base32) with a type prefix. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export function ulid(now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rand = crypto.getRandomValues(new Uint8Array(16));
  let r = "";
  for (let i = 0; i < 16; i++) r += ALPHABET[rand[i] & 31];
  return time + r;
}

export function newId(prefix: string, now?: number): string {
  return `${prefix}_${ulid(now).toLowerCase()}`;
}

export function randomToken(bytes = 32): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  let s = "";
  for (const b of raw) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Synchronous on purpose: it runs on every authenticated request, and node:crypto's is fast. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
