/**
 * The agent's identity: an Ed25519 key pair that proves who it is (enrollment, sessions) and an
 * X25519 key pair that secrets are sealed to. Made on first use and kept in `identity.json` in
 * the state dir, mode 0600, public keys beside the secret ones. The fingerprint and phrase are
 * what an admin compares in the UI. Signing goes through WebCrypto; tweetnacl (NaCl box) is
 * loaded only to make the keys or open a secret, so the resident agent does not carry it.
 */
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
  openBox(box: Uint8Array, nonce: Uint8Array, senderKey: Uint8Array): Promise<Uint8Array | null>;
}

const Key = v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/]{43}=$/));
const FileSchema = v.object({
  version: v.literal(1),
  seed: Key,
  publicKey: Key,
  boxSecretKey: Key,
  boxPublicKey: Key,
});
type IdentityFile = v.InferOutput<typeof FileSchema>;

export const IDENTITY_FILE = "identity.json";

const nacl = async () => (await import("tweetnacl")).default;

async function fromFile(file: IdentityFile): Promise<AgentIdentity> {
  const publicKey = fromBase64(file.publicKey)!;
  const boxSecret = fromBase64(file.boxSecretKey)!;
  const fingerprint = await fingerprintOf(publicKey);
  return {
    publicKey: file.publicKey,
    boxPublicKey: file.boxPublicKey,
    fingerprint,
    phrase: phraseOf(fingerprint),
    signer: await createSigner(fromBase64(file.seed)!, publicKey),
    openBox: async (b, nonce, sender) => (await nacl()).box.open(b, nonce, sender, boxSecret),
  };
}

async function freshFile(): Promise<IdentityFile> {
  const n = await nacl();
  const sign = n.sign.keyPair();
  const box = n.box.keyPair();
  return {
    version: 1,
    seed: toBase64(sign.secretKey.subarray(0, 32)),
    publicKey: toBase64(sign.publicKey),
    boxSecretKey: toBase64(box.secretKey),
    boxPublicKey: toBase64(box.publicKey),
  };
}

/** Loads the identity, making it first when the state dir has none. */
export async function loadOrCreateIdentity(stateDir: string): Promise<AgentIdentity> {
  await ensureStateDir(stateDir);
  const path = join(stateDir, IDENTITY_FILE);
  let file = await readJson(path, FileSchema);
  if (!file) {
    await createFileExclusive(path, JSON.stringify(await freshFile(), null, 2) + "\n");
    file = await readJson(path, FileSchema);
  }
  return fromFile(file!);
}
