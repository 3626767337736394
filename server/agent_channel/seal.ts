/**
 * Seals a secret for one agent: NaCl box from a one-time X25519 key to the agent's box key, then
 * signed by the appliance over every field. The one-time key is dropped at once, so not even the
 * appliance can open the result; the agent keeps it sealed on disk and opens it only to use it.
 *
 * The key agreement runs on WebCrypto's X25519 where the runtime has it (about six times faster
 * than tweetnacl's: a fleet's first schedule push seals one secret per host and entry), then
 * NaCl's own steps (HSalsa20 of the shared point, XSalsa20-Poly1305), so the result is exactly a
 * NaCl box that the agent opens with nacl.box.open.
 */
import nacl from "tweetnacl";
import { sealedSecretFields, SIGN_CONTEXT } from "../contract/agent.ts";
import type { SealedSecret } from "../contract/agent.ts";
import { fromBase64, toBase64 } from "../contract/agent_crypto.ts";
import type { ApplianceIdentity } from "./identity.ts";

export async function sealForAgent(
  identity: ApplianceIdentity,
  to: { agentKey: string; boxPublicKey: string; name: string; plaintext: string; now: number },
): Promise<SealedSecret> {
  const boxKey = fromBase64(to.boxPublicKey);
  if (!boxKey || boxKey.length !== 32) throw new Error("The agent's box key is not a 32-byte key");
  const nonce = nacl.randomBytes(nacl.box.nonceLength);
  const { ephemeralKey, box } = await boxTo(boxKey, new TextEncoder().encode(to.plaintext), nonce);
  const unsigned = {
    name: to.name,
    applianceId: identity.applianceId,
    agentKey: to.agentKey,
    ephemeralKey: toBase64(ephemeralKey),
    nonce: toBase64(nonce),
    box: toBase64(box),
    sealedAt: to.now,
  };
  const signature = await identity.signer.sign(SIGN_CONTEXT.sealed, sealedSecretFields(unsigned));
  return { v: 1, ...unsigned, signature };
}

const SIGMA = new TextEncoder().encode("expand 32-byte k");
/** tweetnacl's HSalsa20 core (nacl.box.before = HSalsa20 of the X25519 point); untyped there. */
const hsalsa20 = (nacl as unknown as {
  lowlevel: {
    crypto_core_hsalsa20(out: Uint8Array, inp: Uint8Array, k: Uint8Array, c: Uint8Array): number;
  };
}).lowlevel.crypto_core_hsalsa20;
let webX25519: boolean | null = null;

/** nacl.box from a one-time key pair to `to`: the one-time public key and the box. */
async function boxTo(
  to: Uint8Array,
  message: Uint8Array,
  nonce: Uint8Array,
): Promise<{ ephemeralKey: Uint8Array; box: Uint8Array }> {
  if (webX25519 !== false) {
    try {
      const once = await crypto.subtle.generateKey({ name: "X25519" }, true, [
        "deriveBits",
      ]) as CryptoKeyPair;
      const peer = await crypto.subtle.importKey(
        "raw",
        new Uint8Array(to),
        { name: "X25519" },
        false,
        [],
      );
      const shared = new Uint8Array(
        await crypto.subtle.deriveBits({ name: "X25519", public: peer }, once.privateKey, 256),
      );
      const key = new Uint8Array(32);
      hsalsa20(key, new Uint8Array(16), shared, SIGMA);
      shared.fill(0);
      const box = nacl.secretbox(message, nonce, key);
      key.fill(0);
      webX25519 = true;
      return {
        ephemeralKey: new Uint8Array(await crypto.subtle.exportKey("raw", once.publicKey)),
        box,
      };
    } catch (err) {
      // A runtime without WebCrypto X25519 seals with tweetnacl alone; any other failure is real.
      if (webX25519 === true) throw err;
      webX25519 = false;
    }
  }
  const once = nacl.box.keyPair();
  const box = nacl.box(message, nonce, to, once.secretKey);
  once.secretKey.fill(0);
  return { ephemeralKey: once.publicKey, box };
}
