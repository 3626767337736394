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

const LOWER = ALPHABET.toLowerCase();

/** The next id in ULID order: the last character rises, carrying leftwards. */
export function bumpId(id: string): string {
  const cut = id.indexOf("_") + 1;
  const chars = id.slice(cut).split("");
  for (let i = chars.length - 1; i >= 0; i--) {
    const n = LOWER.indexOf(chars[i]);
    if (n < LOWER.length - 1) {
      chars[i] = LOWER[n + 1];
      return id.slice(0, cut) + chars.join("");
    }
    chars[i] = LOWER[0];
  }
  throw new Error("Id space exhausted");
}

const lastIds = new Map<string, string>();

/**
 * A new id of this type that sorts after every one this process made before: two ULIDs of the
 * same millisecond order at random, and commands are delivered (and jobs queued) in id order,
 * so a job.cancel must never overtake the job.run made just before it.
 */
export function newId(prefix: string, now?: number): string {
  let id = `${prefix}_${ulid(now).toLowerCase()}`;
  const last = lastIds.get(prefix);
  if (last !== undefined && id <= last) id = bumpId(last);
  lastIds.set(prefix, id);
  return id;
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
