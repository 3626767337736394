import assert from "node:assert/strict";
import nacl from "tweetnacl";
import {
  createSigner,
  fingerprintOf,
  fromBase64,
  groupFingerprint,
  phraseOf,
  signingText,
  toBase64,
  verifySignature,
} from "./agent_crypto.ts";
import { PHRASE_WORDS } from "./agent_words.ts";

Deno.test("the phrase word list: 256 distinct words with distinct four-letter starts", () => {
  assert.equal(PHRASE_WORDS.length, 256);
  assert.equal(new Set(PHRASE_WORDS).size, 256);
  assert.equal(new Set(PHRASE_WORDS.map((w) => w.slice(0, 4))).size, 256);
  assert.ok(PHRASE_WORDS.every((w) => /^[a-z]{3,6}$/.test(w)));
});

Deno.test("fingerprint is SHA-256 of the raw key in hex; the phrase is six words from its first bytes", async () => {
  const key = new Uint8Array(32).fill(7);
  const fp = await fingerprintOf(key);
  const expected = new Uint8Array(await crypto.subtle.digest("SHA-256", key));
  assert.equal(fp, Array.from(expected, (b) => b.toString(16).padStart(2, "0")).join(""));
  const phrase = phraseOf(fp);
  assert.equal(phrase.split(" ").length, 6);
  assert.equal(phrase.split(" ")[0], PHRASE_WORDS[expected[0]]);
  assert.equal(phraseOf(fp), phrase, "the same key always gives the same phrase");
  assert.notEqual(phraseOf(await fingerprintOf(new Uint8Array(32).fill(8))), phrase);
  assert.equal(phraseOf("00".repeat(32)), Array(6).fill(PHRASE_WORDS[0]).join(" "));
  assert.throws(() => phraseOf("xyz"));
  assert.equal(groupFingerprint("abcdef012345"), "abcd ef01 2345");
});

Deno.test("base64 round-trips and refuses what is not base64", () => {
  const bytes = nacl.randomBytes(100);
  assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
  assert.equal(fromBase64("not base64!"), null);
  assert.equal(fromBase64("abc"), null);
});

Deno.test("WebCrypto signatures verify with tweetnacl and back; any change in context or fields fails", async () => {
  const pair = nacl.sign.keyPair();
  const signer = await createSigner(pair.secretKey.slice(0, 32), pair.publicKey);
  const pub = toBase64(pair.publicKey);
  const sig = await signer.sign("cairn/test", ["a", "b"]);
  const text = signingText("cairn/test", ["a", "b"]);
  assert.ok(nacl.sign.detached.verify(text, fromBase64(sig)!, pair.publicKey));
  const naclSig = toBase64(nacl.sign.detached(text, pair.secretKey));
  assert.ok(await verifySignature(pub, naclSig, { context: "cairn/test", fields: ["a", "b"] }));
  assert.ok(await verifySignature(pub, sig, { context: "cairn/test", fields: ["a", "b"] }));
  assert.equal(
    await verifySignature(pub, sig, { context: "cairn/other", fields: ["a", "b"] }),
    false,
  );
  assert.equal(
    await verifySignature(pub, sig, { context: "cairn/test", fields: ["a", "c"] }),
    false,
  );
  assert.equal(
    await verifySignature(pub, sig, { context: "cairn/test", fields: ["a\n1:b"] }),
    false,
  );
  assert.equal(
    await verifySignature(pub, "AAAA", { context: "cairn/test", fields: ["a", "b"] }),
    false,
  );
  assert.equal(
    await verifySignature("bad key", sig, { context: "cairn/test", fields: ["a", "b"] }),
    false,
  );
  const other = toBase64(nacl.sign.keyPair().publicKey);
  assert.equal(
    await verifySignature(other, sig, { context: "cairn/test", fields: ["a", "b"] }),
    false,
  );
});

Deno.test("length prefixes keep different field lists from signing the same text", () => {
  const a = new TextDecoder().decode(signingText("c", ["ab", "c"]));
  const b = new TextDecoder().decode(signingText("c", ["a", "bc"]));
  assert.notEqual(a, b);
});
