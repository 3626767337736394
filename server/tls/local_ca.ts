/**
 * The appliance's own CA and server certificate, kept in the data dir's tls/ folder. The CA is
 * made once and reused for ten years, because every phone that trusts it would have to trust a
 * new one again; the server certificate is cheap and is re-issued at start whenever it no longer
 * lists every current name and address, is within 30 days of expiry, or was not signed by the
 * current CA. Only facts reach the caller's log, never a key.
 */
import { chmod, mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import * as x509 from "./x509.ts";
import { permittedFor, readPermitted, splitPermitted } from "./constraints.ts";
import { readTextIfExists, writeFileAtomic } from "./files.ts";
import {
  certificateNames,
  createCa,
  fingerprint,
  importPrivateKeyPem,
  issueServerCert,
  keyMatchesCert,
  signedBy,
} from "./issue.ts";
import type { KeyedCert } from "./issue.ts";
import { machineName, missingNames, readMachineFacts, wantedNames } from "./names.ts";
import type { MachineFacts, NameSet } from "./names.ts";

export interface LocalTls {
  caCertPem: string;
  /** SHA-256 of the CA certificate, colon-separated upper-case hex. */
  caFingerprint: string;
  certPem: string;
  keyPem: string;
  /** The server certificate's DNS names, then its IP addresses. */
  hostnames: string[];
  /** When the server certificate expires (ISO 8601). */
  notAfter: string;
  /** What this start created or changed, for the log. */
  events: TlsEvent[];
}

export type PairProblem = "missing" | "unreadable" | "key_mismatch" | "expiring" | "not_yet_valid";

export type TlsEvent =
  | { kind: "ca_created"; reason: PairProblem }
  | {
    kind: "cert_issued";
    reason: PairProblem | "new_ca" | "other_ca" | "names_changed";
    missing: string[];
  }
  /** Names the CA's name constraints do not permit: they need a new CA (see docs/https.md). */
  | { kind: "names_refused"; names: string[] };

export interface EnsureTlsOptions {
  dir: string;
  extraHostnames: string[];
  /** The host name and addresses; read from the OS when absent. */
  machine?: MachineFacts;
  now?: Date;
}

const DAY = 24 * 60 * 60 * 1000;
const RENEW_BEFORE_MS = 30 * DAY;
/** A clock before this is unset (a board without a battery before NTP): issue from here instead. */
const CLOCK_FLOOR = new Date(Date.UTC(2025, 0, 1));
const KEY_MODE = 0o600;
const CERT_MODE = 0o644;

function validityProblem(cert: x509.X509Certificate, now: Date): PairProblem | null {
  if (cert.notAfter.getTime() - now.getTime() < RENEW_BEFORE_MS) return "expiring";
  if (now >= CLOCK_FLOOR && cert.notBefore.getTime() > now.getTime() + DAY) return "not_yet_valid";
  return null;
}

/** A key restored from a backup or copied by hand may have come back group- or world-readable. */
async function tightenKeyMode(path: string) {
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, KEY_MODE);
}

/** Loads `<base>.crt` and `<base>.key`, or says why they cannot be used as they are. */
async function loadPair(
  dir: string,
  base: string,
  now: Date,
): Promise<KeyedCert | PairProblem> {
  const certPem = await readTextIfExists(join(dir, `${base}.crt`));
  const keyPem = await readTextIfExists(join(dir, `${base}.key`));
  if (certPem === null || keyPem === null) return "missing";
  await tightenKeyMode(join(dir, `${base}.key`));
  let pair: KeyedCert;
  try {
    const cert = new x509.X509Certificate(certPem);
    pair = { cert, certPem, keyPem, privateKey: await importPrivateKeyPem(keyPem) };
  } catch {
    // A damaged file is replaced; the event tells the log why.
    return "unreadable";
  }
  if (!(await keyMatchesCert(pair.privateKey, pair.cert))) return "key_mismatch";
  return validityProblem(pair.cert, now) ?? pair;
}

/** Writes the key before the certificate: a certificate on disk always has its key beside it. */
async function savePair(dir: string, base: string, pair: KeyedCert) {
  await writeFileAtomic(join(dir, `${base}.key`), pair.keyPem, KEY_MODE);
  await writeFileAtomic(join(dir, `${base}.crt`), pair.certPem, CERT_MODE);
}

function whyReissue(
  server: KeyedCert | PairProblem,
  ca: { pair: KeyedCert; created: boolean },
  allowed: NameSet,
  otherCa: boolean,
): TlsEvent | null {
  if (typeof server === "string") return { kind: "cert_issued", reason: server, missing: [] };
  if (ca.created) return { kind: "cert_issued", reason: "new_ca", missing: [] };
  if (otherCa) return { kind: "cert_issued", reason: "other_ca", missing: [] };
  const missing = missingNames(certificateNames(server.cert), allowed);
  return missing.length > 0 ? { kind: "cert_issued", reason: "names_changed", missing } : null;
}

export async function ensureLocalTls(opts: EnsureTlsOptions): Promise<LocalTls> {
  const now = opts.now ?? new Date();
  const issueAt = now < CLOCK_FLOOR ? CLOCK_FLOOR : now;
  const facts = opts.machine ?? readMachineFacts();
  const host = machineName(facts) ?? "cairn";
  const want = wantedNames(facts, opts.extraHostnames);
  const events: TlsEvent[] = [];
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });

  const loadedCa = await loadPair(opts.dir, "ca", now);
  let caPair: KeyedCert;
  if (typeof loadedCa === "string") {
    caPair = await createCa({
      commonName: `Cairn local CA (${host})`,
      permitted: permittedFor(want),
      now: issueAt,
    });
    await savePair(opts.dir, "ca", caPair);
    events.push({ kind: "ca_created", reason: loadedCa });
  } else {
    caPair = loadedCa;
  }
  const ca = { pair: caPair, created: typeof loadedCa === "string" };

  const { allowed, refused } = splitPermitted(want, readPermitted(caPair.cert));
  if (refused.length > 0) events.push({ kind: "names_refused", names: refused });

  let server = await loadPair(opts.dir, "server", now);
  const otherCa = typeof server !== "string" && !(await signedBy(server.cert, caPair.cert));
  const reissue = whyReissue(server, ca, allowed, otherCa);
  if (reissue) {
    server = await issueServerCert({ ca: caPair, commonName: host, names: allowed, now: issueAt });
    await savePair(opts.dir, "server", server);
    events.push(reissue);
  }
  const issued = server as KeyedCert;
  const names = certificateNames(issued.cert);
  return {
    caCertPem: caPair.certPem,
    caFingerprint: await fingerprint(caPair.cert),
    certPem: issued.certPem,
    keyPem: issued.keyPem,
    hostnames: [...names.dns, ...names.ips],
    notAfter: issued.cert.notAfter.toISOString(),
    events,
  };
}
