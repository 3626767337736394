/**
 * Secrets at rest: NaCl secretbox under a 32-byte key file made at first start (mode 0600) in the
 * data dir. A sealed value is `sb1:` + base64(nonce || box), so it is recognisable in a dump and
 * can never be mistaken for plain text.
 */
import nacl from "tweetnacl";
import { fromBase64, toBase64 } from "../contract/agent_crypto.ts";
import { chmod, open, readFile } from "node:fs/promises";

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

const PREFIX = "sb1:";

export function createSecretBox(key: Uint8Array): SecretBox {
  if (key.length !== nacl.secretbox.keyLength) throw new Error("Secret key must be 32 bytes");
  return {
    seal(plain) {
      const nonce = nacl.randomBytes(nacl.secretbox.nonceLength);
      const box = nacl.secretbox(new TextEncoder().encode(plain), nonce, key);
      const out = new Uint8Array(nonce.length + box.length);
      out.set(nonce);
      out.set(box, nonce.length);
      return PREFIX + toBase64(out);
    },
    open(sealed) {
      if (!sealed.startsWith(PREFIX)) throw new Error("Not a sealed value");
      const raw = fromBase64(sealed.slice(PREFIX.length));
      if (!raw) throw new Error("Sealed value is damaged");
      const nonce = raw.subarray(0, nacl.secretbox.nonceLength);
      const plain = nacl.secretbox.open(raw.subarray(nacl.secretbox.nonceLength), nonce, key);
      if (!plain) throw new Error("Sealed value does not open with this appliance's key");
      return new TextDecoder().decode(plain);
    },
  };
}

/** Reads the key file, creating it (exclusively, mode 0600) when it does not exist yet. */
export async function loadOrCreateKey(path: string): Promise<Uint8Array> {
  try {
    const handle = await open(path, "wx", 0o600);
    const key = nacl.randomBytes(32);
    try {
      await handle.writeFile(key);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const key = new Uint8Array(await readFile(path));
  if (key.length !== 32) {
    throw new Error("The secret key file is damaged: it must hold exactly 32 bytes");
  }
  await chmod(path, 0o600);
  return key;
}
