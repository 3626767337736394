/**
 * The agent's identity: an Ed25519 key pair that proves who it is (enrollment, sessions) and an
 * X25519 key pair that secrets are sealed to. Made on first use and kept in `identity.json` in
 * the state dir, mode 0600. The fingerprint and phrase are what an admin compares in the UI.
 */
import nacl from "tweetnacl";
import * as v from "valibot";
import { join } from "node:path";
import {
  createSigner,
  fingerprintOf,
  fromBase64,
  phraseOf,
  toBase64,
} from "../server/contract/agent_crypto.ts";
import type { Signer } from "../server/contract/agent_crypto.ts";
import { createFileExclusive, ensureStateDir, readJson } from "./state_files.ts";

export interface AgentIdentity {
  publicKey: string;
  boxPublicKey: string;
  fingerprint: string;
  phrase: string;
  signer: Signer;
  /** Opens a NaCl box sealed to this agent; null when it does not open. */
  openBox(box: Uint8Array, nonce: Uint8Array, senderKey: Uint8Array): Uint8Array | null;
}

const Key = v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/]{43}=$/));
const FileSchema = v.object({ version: v.literal(1), seed: Key, boxSecretKey: Key });

export const IDENTITY_FILE = "identity.json";

async function fromSecrets(seed: Uint8Array, boxSecret: Uint8Array): Promise<AgentIdentity> {
  const sign = nacl.sign.keyPair.fromSeed(seed);
  const box = nacl.box.keyPair.fromSecretKey(boxSecret);
  const fingerprint = await fingerprintOf(sign.publicKey);
  return {
    publicKey: toBase64(sign.publicKey),
    boxPublicKey: toBase64(box.publicKey),
    fingerprint,
    phrase: phraseOf(fingerprint),
    signer: await createSigner(seed, sign.publicKey),
    openBox: (b, nonce, sender) => nacl.box.open(b, nonce, sender, boxSecret),
  };
}

/** Loads the identity, making it first when the state dir has none. */
export async function loadOrCreateIdentity(stateDir: string): Promise<AgentIdentity> {
  await ensureStateDir(stateDir);
  const path = join(stateDir, IDENTITY_FILE);
  let file = await readJson(path, FileSchema);
  if (!file) {
    const fresh = {
      version: 1 as const,
      seed: toBase64(nacl.randomBytes(32)),
      boxSecretKey: toBase64(nacl.box.keyPair().secretKey),
    };
    await createFileExclusive(path, JSON.stringify(fresh, null, 2) + "\n");
    file = await readJson(path, FileSchema);
  }
  return fromSecrets(fromBase64(file!.seed)!, fromBase64(file!.boxSecretKey)!);
}
