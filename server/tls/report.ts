/** Log lines for what ensureLocalTls did at start: names, reasons and dates, never key material. */
import type { Logger } from "../log.ts";
import type { LocalTls } from "./local_ca.ts";

export function logTlsEvents(log: Pick<Logger, "info" | "warn">, tls: LocalTls): void {
  for (const e of tls.events) {
    if (e.kind === "ca_created") {
      log.info("TLS: created the local CA; devices must trust its certificate", {
        reason: e.reason,
        caFingerprint: tls.caFingerprint,
      });
    } else if (e.kind === "cert_issued") {
      log.info("TLS: issued the server certificate", {
        reason: e.reason,
        ...(e.missing.length > 0 ? { newNames: e.missing } : {}),
        names: tls.hostnames,
        notAfter: tls.notAfter,
      });
    } else {
      log.warn(
        "TLS: these names are outside the local CA's name constraints and were left out of the certificate; see docs/https.md to make a new CA",
        { names: e.names },
      );
    }
  }
}
