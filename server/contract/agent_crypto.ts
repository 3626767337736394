/**
 * The cryptography both ends of the agent protocol share: base64, key fingerprints and their
 * word phrase, Ed25519 signatures through WebCrypto, and the domain-separated texts that get
 * signed. WebCrypto signs and verifies about fifty times faster than tweetnacl and accepts its
 * keys and signatures, so the hot paths (every session, every command batch) use it; tweetnacl
 * stays for key generation and NaCl box, where it is simpler.
 *
 * A signed text names what it is for (a context such as `cairn/agent/v1/session`) and then its
 * fields, each prefixed by its length, so no signature made for one purpose can be replayed as
 * another and no two field lists produce the same text.
 */
import { PHRASE_WORDS } from "./agent_words.ts";

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** Decodes standard base64; returns null (never throws) when the text is not base64. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null; // atob rejects what the pattern let through only for bad padding
  }
}

function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 of the raw 32-byte public key, as 64 lowercase hex digits. */
export async function fingerprintOf(publicKey: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(publicKey))));
}

export const PHRASE_LENGTH = 6;

/** Six words, one per byte of the fingerprint's start: easy to compare aloud, 48 bits. */
export function phraseOf(fingerprint: string): string {
  if (!/^[0-9a-f]{64}$/.test(fingerprint)) throw new Error("A fingerprint is 64 hex digits");
  const words: string[] = [];
  for (let i = 0; i < PHRASE_LENGTH; i++) {
    words.push(PHRASE_WORDS[parseInt(fingerprint.slice(i * 2, i * 2 + 2), 16)]);
  }
  return words.join(" ");
}

/** Fingerprints are long; people compare them in groups of four. */
export function groupFingerprint(fingerprint: string): string {
  return fingerprint.match(/.{1,4}/g)?.join(" ") ?? fingerprint;
}

/** The text that is signed: the context, then each field prefixed by its length. */
export function signingText(context: string, fields: readonly string[]): Uint8Array<ArrayBuffer> {
  const body = fields.map((f) => `${f.length}:${f}`).join("\n");
  return new TextEncoder().encode(`${context}\n${body}`);
}

export interface Signer {
  /** The raw 32-byte public key, base64. */
  publicKey: string;
  sign(context: string, fields: readonly string[]): Promise<string>;
}

/** A signer over an Ed25519 key pair given as its 32-byte seed and 32-byte public key. */
export async function createSigner(seed: Uint8Array, publicKey: Uint8Array): Promise<Signer> {
  if (seed.length !== 32 || publicKey.length !== 32) {
    throw new Error("An Ed25519 seed and public key are 32 bytes each");
  }
  const key = await crypto.subtle.importKey(
    "jwk",
    { kty: "OKP", crv: "Ed25519", d: toBase64Url(seed), x: toBase64Url(publicKey) },
    { name: "Ed25519" },
    false,
    ["sign"],
  );
  return {
    publicKey: toBase64(publicKey),
    async sign(context, fields) {
      const sig = await crypto.subtle.sign("Ed25519", key, signingText(context, fields));
      return toBase64(new Uint8Array(sig));
    },
  };
}

/** True only for a valid signature by that key; malformed keys or signatures are simply false. */
export async function verifySignature(
  publicKey: string,
  signature: string,
  signed: { context: string; fields: readonly string[] },
): Promise<boolean> {
  const key = fromBase64(publicKey);
  const sig = fromBase64(signature);
  if (!key || key.length !== 32 || !sig || sig.length !== 64) return false;
  try {
    const k = await crypto.subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify(
      "Ed25519",
      k,
      sig,
      signingText(signed.context, signed.fields),
    );
  } catch {
    return false; // a key WebCrypto refuses (not on the curve) verifies nothing
  }
}
