/** Shared by the tls/ tests: a temp dir, a fixed machine, and the real openssl as a second verifier. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MachineFacts } from "./names.ts";

export const MACHINE: MachineFacts = {
  hostname: "Nas-Box",
  addresses: ["192.168.1.20", "fe80::1c2:3ff:fe04:5", "2001:db8:1:2::20", "fd12::5"],
};

export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cairn-tls-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function openssl(args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command("openssl", { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  return { code: r.code, out: text };
}

/** `openssl verify` of a server certificate against the CA, for TLS server use, with extra checks. */
export async function opensslVerify(
  dir: string,
  caPem: string,
  certPem: string,
  extra: string[] = [],
) {
  const ca = join(dir, "verify-ca.pem");
  const cert = join(dir, "verify-cert.pem");
  await writeFile(ca, caPem);
  await writeFile(cert, certPem);
  return openssl([
    "verify",
    "-x509_strict",
    "-purpose",
    "sslserver",
    "-CAfile",
    ca,
    ...extra,
    cert,
  ]);
}
