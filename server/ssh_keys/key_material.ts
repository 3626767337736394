/**
 * SSH key material: generating an Ed25519 pair and reading an imported private key (OpenSSH,
 * PEM PKCS#1 / SEC1, PKCS#8; encrypted or not) into what Cairn stores and shows.
 *
 * OpenSSH keys go through sshpk (it decrypts bcrypt-pbkdf keys and writes OpenSSH private
 * keys). PEM keys go through node:crypto instead: sshpk decrypts legacy PEM in a stream whose
 * "bad decrypt" error is thrown from an event handler, i.e. as an uncaught exception that would
 * take the appliance down on a wrong passphrase; node:crypto fails synchronously.
 *
 * What is stored is what the agent's ssh reads: an imported key keeps its original text (and
 * its passphrase, which the agent hands to ssh through SSH_ASKPASS), except an Ed25519 key in
 * PEM, which OpenSSH 9.2 cannot read: that one is written again in OpenSSH format, encrypted
 * with the same passphrase.
 */
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { Buffer } from "node:buffer";
import sshpk from "sshpk";
import { BadRequestError } from "../errors.ts";

export interface KeyMaterial {
  /** The private key as ssh reads it. */
  privateKey: string;
  /** Set when the stored private key is encrypted with it. */
  passphrase: string | null;
  algorithm: string;
  /** One OpenSSH line: "<algorithm> <base64> [comment]". */
  publicKey: string;
  /** "SHA256:<unpadded base64>", as `ssh-keygen -lf` prints it. */
  fingerprint: string;
}

const OPENSSH = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/;
const PEM = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/;
/** bcrypt-pbkdf rounds beyond this would hold the appliance's event loop for minutes. */
const MAX_KDF_ROUNDS = 1000;

/** A fresh Ed25519 pair, the private key in OpenSSH format (unencrypted; sealed at rest). */
export function generateEd25519(comment: string): KeyMaterial {
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const key = sshpk.parsePrivateKey(pem, "pkcs8");
  key.comment = comment;
  return describe(key, withNewline(key.toString("openssh")), null);
}

/** Reads an imported private key; a wrong or missing passphrase is a 400 that says so. */
export function importPrivateKey(text: string, passphrase?: string): KeyMaterial {
  const normalised = withNewline(text.replace(/\r\n?/g, "\n").trim());
  const pass = passphrase === undefined || passphrase === "" ? undefined : passphrase;
  const openssh = OPENSSH.exec(normalised);
  if (openssh) return importOpenSsh(withNewline(openssh[0]), openssh[1], pass);
  const pem = PEM.exec(normalised);
  if (pem) return importPem(withNewline(pem[0]), pass);
  throw new BadRequestError(
    "The private key is not in a format Cairn reads: paste an OpenSSH, PEM or PKCS#8 private key",
  );
}

function importOpenSsh(text: string, body: string, pass: string | undefined): KeyMaterial {
  const header = openSshHeader(body);
  const encrypted = header.cipher !== "none";
  if (encrypted && pass === undefined) {
    throw new BadRequestError("The private key is encrypted: enter its passphrase");
  }
  if (header.rounds > MAX_KDF_ROUNDS) {
    throw new BadRequestError(
      `The key's passphrase uses more than ${MAX_KDF_ROUNDS} KDF rounds: re-encrypt it with ssh-keygen -p -a 100`,
    );
  }
  let key: sshpk.PrivateKey;
  try {
    key = sshpk.parsePrivateKey(text, "openssh", encrypted ? { passphrase: pass } : {});
  } catch (err) {
    const message = err instanceof Error ? err.message : "";
    if (/passphrase/i.test(message)) {
      throw new BadRequestError("The passphrase does not open this private key");
    }
    throw new BadRequestError(
      `The OpenSSH private key could not be read${
        /cipher/i.test(message) ? ": its cipher is not supported" : ""
      }`,
    );
  }
  return describe(key, text, encrypted ? pass! : null);
}

function importPem(text: string, pass: string | undefined): KeyMaterial {
  const encrypted = /ENCRYPTED/.test(text.split("\n").slice(0, 3).join("\n"));
  if (encrypted && pass === undefined) {
    throw new BadRequestError("The private key is encrypted: enter its passphrase");
  }
  let plainPkcs8: string;
  try {
    const k = createPrivateKey({ key: text, format: "pem", passphrase: encrypted ? pass : "" });
    plainPkcs8 = k.export({ type: "pkcs8", format: "pem" }).toString();
  } catch {
    throw new BadRequestError(
      encrypted
        ? "The passphrase does not open this private key"
        : "The PEM private key could not be read",
    );
  }
  let key: sshpk.PrivateKey;
  try {
    key = sshpk.parsePrivateKey(plainPkcs8, "pkcs8");
  } catch {
    throw new BadRequestError("The private key is of a kind SSH does not use");
  }
  if (key.type !== "ed25519") return describe(key, text, encrypted ? pass! : null);
  const again = key.toString(
    "openssh",
    encrypted ? { passphrase: pass, cipher: "aes256-ctr" } as sshpk.Format.WriteOptions : {},
  );
  return describe(key, withNewline(again), encrypted ? pass! : null);
}

function describe(key: sshpk.PrivateKey, privateKey: string, passphrase: string | null) {
  if (key.type === "dsa") {
    throw new BadRequestError("DSA keys are refused by current OpenSSH: use Ed25519 or RSA");
  }
  if (key.type === "rsa" && key.size < 2048) {
    throw new BadRequestError("RSA keys shorter than 2048 bits are too weak: use Ed25519");
  }
  if (!["rsa", "ecdsa", "ed25519"].includes(key.type)) {
    throw new BadRequestError("Only Ed25519, ECDSA and RSA keys can be used");
  }
  const pub = key.toPublic();
  const [algorithm, blob] = pub.toString("ssh").split(" ");
  const comment = (key.comment ?? "").replace(/[^\x21-\x7e ]/g, "").trim().slice(0, 100);
  const keepComment = comment !== "" && comment !== "(unnamed)";
  return {
    privateKey,
    passphrase,
    algorithm,
    publicKey: keepComment ? `${algorithm} ${blob} ${comment}` : `${algorithm} ${blob}`,
    fingerprint: pub.fingerprint("sha256").toString(),
  };
}

/** The cipher and the bcrypt rounds from an OpenSSH key's unencrypted header. */
function openSshHeader(body: string): { cipher: string; rounds: number } {
  const raw = Buffer.from(body.replace(/\s+/g, ""), "base64");
  const magic = "openssh-key-v1\0";
  if (raw.subarray(0, magic.length).toString("latin1") !== magic) {
    throw new BadRequestError("The OpenSSH private key is damaged");
  }
  try {
    let at = magic.length;
    const str = () => {
      const n = raw.readUInt32BE(at);
      const out = raw.subarray(at + 4, at + 4 + n);
      at += 4 + n;
      return out;
    };
    const cipher = str().toString("latin1");
    const kdf = str().toString("latin1");
    const options = str();
    const rounds = kdf === "bcrypt" && options.length >= 8
      ? options.readUInt32BE(4 + options.readUInt32BE(0))
      : 0;
    return { cipher, rounds };
  } catch {
    throw new BadRequestError("The OpenSSH private key is damaged");
  }
}

function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
