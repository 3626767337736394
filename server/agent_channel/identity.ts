/**
 * The appliance's own Ed25519 identity: an id and a key pair kept in `identity.json` in the data
 * dir (mode 0600), made exclusively at first start. Agents pin its public key at enrollment and
 * check its signature on every challenge, command batch and sealed secret, so losing this file
 * means every agent must be enrolled again: it belongs in every backup of the data dir.
 */
import nacl from "tweetnacl";
import * as v from "valibot";
import { chmod, open, readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { createSigner, fromBase64, toBase64 } from "../contract/agent_crypto.ts";
import type { Signer } from "../contract/agent_crypto.ts";
import { newId } from "../ids.ts";

export interface ApplianceIdentity {
  applianceId: string;
  publicKey: string;
  fingerprint: string;
  signer: Signer;
}

const FileSchema = v.object({
  version: v.literal(1),
  applianceId: v.pipe(v.string(), v.regex(/^apl_[0-9a-z]{26}$/)),
  seed: v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/]{43}=$/)),
});

export function identityFromSeed(applianceId: string, seed: Uint8Array): ApplianceIdentity {
  const pair = nacl.sign.keyPair.fromSeed(seed);
  let signer: Promise<Signer> | null = null;
  return {
    applianceId,
    publicKey: toBase64(pair.publicKey),
    fingerprint: createHash("sha256").update(pair.publicKey).digest("hex"),
    signer: {
      publicKey: toBase64(pair.publicKey),
      sign: async (context, fields) =>
        (await (signer ??= createSigner(seed, pair.publicKey))).sign(context, fields),
    },
  };
}

/** A fresh identity that lives only in memory (in-process tests). */
export function ephemeralIdentity(): ApplianceIdentity {
  return identityFromSeed(newId("apl"), nacl.randomBytes(32));
}

/** Reads the identity file, creating it (exclusively, mode 0600) when it does not exist yet. */
export async function loadOrCreateIdentity(path: string): Promise<ApplianceIdentity> {
  try {
    const handle = await open(path, "wx", 0o600);
    const applianceId = newId("apl");
    const seed = nacl.randomBytes(32);
    try {
      await handle.writeFile(JSON.stringify({ version: 1, applianceId, seed: toBase64(seed) }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return identityFromSeed(applianceId, seed);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  let parsed: v.InferOutput<typeof FileSchema>;
  try {
    parsed = v.parse(FileSchema, JSON.parse(await readFile(path, "utf8")));
  } catch (err) {
    throw new Error(`The appliance identity file is damaged: ${path}`, { cause: err });
  }
  await chmod(path, 0o600);
  return identityFromSeed(parsed.applianceId, fromBase64(parsed.seed)!);
}
