import assert from "node:assert/strict";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecretBox, loadOrCreateKey } from "./box.ts";
import { createRedactor, REDACTED } from "./redact.ts";

Deno.test("the key file is made once with mode 0600 and reused", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cairn-key-"));
  try {
    const file = join(dir, "secret.key");
    const a = await loadOrCreateKey(file);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const b = await loadOrCreateKey(file);
    assert.deepEqual(a, b);
    await writeFile(join(dir, "short.key"), new Uint8Array(5));
    await assert.rejects(loadOrCreateKey(join(dir, "short.key")), /damaged/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

Deno.test("sealed values open only with their key and are never plain text", () => {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const box = createSecretBox(key);
  const sealed = box.seal("repo passphrase ü");
  assert.match(sealed, /^sb1:/);
  assert.ok(!sealed.includes("passphrase"));
  assert.notEqual(box.seal("repo passphrase ü"), sealed, "a fresh nonce every time");
  assert.equal(box.open(sealed), "repo passphrase ü");
  const other = createSecretBox(crypto.getRandomValues(new Uint8Array(32)));
  assert.throws(() => other.open(sealed), /does not open/);
  const tampered = sealed.slice(0, -4) + (sealed.endsWith("AAAA") ? "BBBB" : "AAAA");
  assert.throws(() => box.open(tampered));
});

Deno.test("the redactor masks secret-looking keys and remembered values, deeply", () => {
  const r = createRedactor();
  r.remember("hunter2-long-secret");
  const out = r.redact({
    msg: "connecting with hunter2-long-secret now",
    password: "x",
    nested: { apiToken: "abc", list: [{ authorization: "Bearer z" }], fine: 3, hooks: true },
    err: new Error("failed: hunter2-long-secret"),
  });
  assert.equal(out.msg, `connecting with ${REDACTED} now`);
  assert.equal(out.password, REDACTED);
  assert.equal(out.nested.apiToken, REDACTED);
  assert.equal(out.nested.list[0].authorization, REDACTED);
  assert.equal(out.nested.fine, 3);
  assert.equal(out.nested.hooks, true, "booleans say nothing secret");
  assert.ok(!JSON.stringify(out).includes("hunter2"));
  r.forget("hunter2-long-secret");
  assert.equal(r.redactText("hunter2-long-secret"), "hunter2-long-secret");
});
