/**
 * A secret box whose key can change while the appliance runs: a standby adopts its primary's
 * secret-box key at pairing (it arrives sealed to the standby), so that after a promotion it
 * opens the secrets sealed in the replicated rows. The key file is replaced atomically.
 */
import { open, rename } from "node:fs/promises";
import { createSecretBox } from "../secrets/box.ts";
import type { SecretBox } from "../secrets/box.ts";

export interface RekeyableBox extends SecretBox {
  key(): Uint8Array;
  rekey(key: Uint8Array, keyFile: string): Promise<void>;
}

export function createRekeyableBox(initial: Uint8Array): RekeyableBox {
  let key = initial;
  let box = createSecretBox(key);
  return {
    seal: (plain) => box.seal(plain),
    open: (sealed) => box.open(sealed),
    key: () => key,
    async rekey(next, keyFile) {
      const next2 = createSecretBox(next); // throws on a key of the wrong size, before any write
      const tmp = `${keyFile}.new`;
      const handle = await open(tmp, "w", 0o600);
      try {
        await handle.writeFile(next);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, keyFile);
      key = next;
      box = next2;
    },
  };
}
