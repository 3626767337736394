/** Placeholder until the local CA lands; TLS is refused rather than faked. */
export interface LocalTls {
  caCertPem: string;
  caFingerprint: string;
  certPem: string;
  keyPem: string;
  hostnames: string[];
}

export function ensureLocalTls(
  _opts: { dir: string; extraHostnames: string[] },
): Promise<LocalTls> {
  return Promise.reject(new Error("TLS is not available yet"));
}
