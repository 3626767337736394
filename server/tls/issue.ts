/**
 * Making the local CA and the server certificate with WebCrypto and @peculiar/x509. ECDSA P-256
 * with SHA-256 is accepted by Chromium, Firefox, iOS, macOS, Android and Windows, and keys are
 * PKCS#8 PEM, the form both Deno.serve (rustls) and Node's https.createServer read. The server
 * certificate lives at most 825 days, the most Apple devices accept from any CA.
 */
import * as x509 from "./x509.ts";
import { nameConstraintsExtension } from "./constraints.ts";
import type { Permitted } from "./constraints.ts";
import type { NameSet } from "./names.ts";

const DAY = 24 * 60 * 60 * 1000;
/** Backdating absorbs a phone whose clock runs a little behind. */
const BACKDATE_MS = 60 * 60 * 1000;
export const CA_LIFETIME_DAYS = 3650;
/** 824 days + the backdate stays under Apple's 825-day limit for TLS server certificates. */
export const SERVER_LIFETIME_DAYS = 824;

const KEY_ALG: EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };
const SIGN_ALG: EcdsaParams = { name: "ECDSA", hash: "SHA-256" };

export interface KeyedCert {
  cert: x509.X509Certificate;
  privateKey: CryptoKey;
  certPem: string;
  keyPem: string;
}

function useWebCrypto() {
  x509.cryptoProvider.set(crypto);
}

/** A random positive 128-bit serial number as hex (top bit clear, first byte non-zero). */
function serialNumber(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0] & 0x7f) || 1;
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

export function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return crypto.subtle.importKey("pkcs8", der, KEY_ALG, true, ["sign"]);
}

/** True when `key` is the private half of the key in `cert`. */
export async function keyMatchesCert(key: CryptoKey, cert: x509.X509Certificate) {
  useWebCrypto();
  const priv = await crypto.subtle.exportKey("jwk", key);
  const pub = await crypto.subtle.exportKey(
    "jwk",
    await cert.publicKey.export(KEY_ALG, ["verify"]),
  );
  return priv.crv === pub.crv && priv.x === pub.x && priv.y === pub.y;
}

/** SHA-256 of the certificate's DER as colon-separated upper-case hex, as phones display it. */
export async function fingerprint(cert: x509.X509Certificate): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", cert.rawData));
  return Array.from(digest, (x) => x.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

export async function createCa(
  opts: { commonName: string; permitted: Permitted; now: Date },
): Promise<KeyedCert> {
  useWebCrypto();
  const keys = await crypto.subtle.generateKey(KEY_ALG, true, ["sign", "verify"]);
  const notBefore = new Date(opts.now.getTime() - BACKDATE_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [opts.commonName] }, { O: ["Cairn"] }],
    notBefore,
    notAfter: new Date(opts.now.getTime() + CA_LIFETIME_DAYS * DAY),
    signingAlgorithm: SIGN_ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      nameConstraintsExtension(opts.permitted),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    cert,
    privateKey: keys.privateKey,
    certPem: cert.toString("pem"),
    keyPem: await privateKeyPem(keys.privateKey),
  };
}

export async function issueServerCert(
  opts: { ca: KeyedCert; commonName: string; names: NameSet; now: Date },
): Promise<KeyedCert> {
  useWebCrypto();
  const keys = await crypto.subtle.generateKey(KEY_ALG, true, ["sign", "verify"]);
  const notBefore = new Date(opts.now.getTime() - BACKDATE_MS);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [{ CN: [opts.commonName] }, { O: ["Cairn"] }],
    issuer: opts.ca.cert.subjectName,
    notBefore,
    notAfter: new Date(opts.now.getTime() + SERVER_LIFETIME_DAYS * DAY),
    signingAlgorithm: SIGN_ALG,
    publicKey: keys.publicKey,
    signingKey: opts.ca.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...opts.names.dns.map((value) => ({ type: "dns" as const, value })),
        ...opts.names.ips.map((value) => ({ type: "ip" as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(opts.ca.cert.publicKey),
    ],
  });
  return {
    cert,
    privateKey: keys.privateKey,
    certPem: cert.toString("pem"),
    keyPem: await privateKeyPem(keys.privateKey),
  };
}

/** The DNS names and IP addresses a certificate's subjectAltName lists. */
export function certificateNames(cert: x509.X509Certificate): NameSet {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const out: NameSet = { dns: [], ips: [] };
  for (const n of san?.names.items ?? []) {
    if (n.type === "dns") out.dns.push(n.value);
    if (n.type === "ip") out.ips.push(n.value);
  }
  return out;
}

/** True when `ca` signed `cert`. */
export function signedBy(cert: x509.X509Certificate, ca: x509.X509Certificate) {
  useWebCrypto();
  return cert.verify({ publicKey: ca.publicKey, signatureOnly: true });
}
