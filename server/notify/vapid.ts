/**
 * The appliance's VAPID key pair (RFC 8292), made at first start with web-push and kept in the
 * database (private half sealed), so a standby that takes over signs with the same key and every
 * browser subscription, which is bound to the public key, keeps working.
 */
import webpush from "web-push";
import type { Clock } from "../clock.ts";
import type { SecretBox } from "../secrets/box.ts";
import type { NotifyRepo } from "./repo.ts";

export interface VapidKeys {
  /** base64url of the uncompressed P-256 point: the browser's applicationServerKey. */
  publicKey: string;
  /** base64url of the 32-byte private scalar. */
  privateKey: string;
  /** mailto: or https: URL, the contact a push service may use. */
  subject: string;
}

/**
 * The JWT's `sub` when CAIRN_VAPID_SUBJECT is not set: the appliance's https base URL when it has one that is not localhost (Apple's
 * push service refuses localhost), else a mailto: address under its host name.
 */
export function vapidSubject(baseUrl: string | null): string {
  if (baseUrl) {
    const u = new URL(baseUrl);
    if (u.protocol === "https:" && u.hostname !== "localhost") return u.origin;
    if (/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(u.hostname)) return `mailto:cairn@${u.hostname}`;
  }
  return "mailto:cairn@cairn.example";
}

export async function loadOrCreateVapidKeys(
  deps: { repo: NotifyRepo; secretBox: SecretBox; clock: Clock; subject: string },
): Promise<VapidKeys> {
  let stored = await deps.repo.readVapidKeys();
  if (!stored) {
    const made = webpush.generateVAPIDKeys();
    await deps.repo.insertVapidKeysOnce({
      publicKey: made.publicKey,
      sealedPrivateKey: deps.secretBox.seal(made.privateKey),
      now: deps.clock.now(),
    });
    stored = await deps.repo.readVapidKeys();
    if (!stored) throw new Error("The VAPID keys were not stored");
  }
  return {
    publicKey: stored.publicKey,
    privateKey: deps.secretBox.open(stored.sealedPrivateKey),
    subject: deps.subject,
  };
}
