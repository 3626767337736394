/**
 * Password hashing with scrypt from the runtime's own crypto (OpenSSL under Node, Deno's node
 * compatibility layer under Deno): well kept, no native addon to build on a Raspberry Pi, and
 * the same on both runtimes. Parameters are stored with each hash so they can be raised later.
 */
import { scrypt, timingSafeEqual } from "node:crypto";
import { fromBase64, toBase64 } from "../contract/agent_crypto.ts";

const N = 1 << 15;
const R = 8;
const P = 1;
const KEYLEN = 32;
const MAXMEM = 128 * N * R * 2;

function derive(
  password: string,
  salt: Uint8Array,
  n: number,
  r: number,
  p: number,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize("NFC"),
      salt,
      KEYLEN,
      { N: n, r, p, maxmem: 128 * n * r * 2 },
      (err, key) => {
        if (err) reject(err);
        else resolve(new Uint8Array(key));
      },
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${toBase64(salt)}$${toBase64(key)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  if (128 * n * r * 2 > MAXMEM * 4) return false;
  const expected = fromBase64(parts[5]);
  const salt = fromBase64(parts[4]);
  if (!expected || !salt) return false;
  const key = await derive(password, salt, n, r, p);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash that no password matches, verified against when a user is unknown so timing says nothing. */
export const DUMMY_HASH =
  "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
