/**
 * Email over SMTP with nodemailer. `secure` picks how TLS is used: "tls" connects with TLS at
 * once (port 465), "starttls" insists on the upgrade (587; nodemailer's requireTLS), "none"
 * never upgrades (a relay on the LAN). A refusal becomes a reason with the server's reply code
 * and the first words of its reply, which name the problem (authentication, a refused
 * recipient) and, unlike a thrown error's message, never the password. A 5xx reply is a
 * permanent refusal (RFC 5321 §4.2.1): the delivery gives up at once; a 4xx (greylisting, a full
 * queue) is retried.
 *
 * The server's certificate is always verified, against the system's CAs and, when the channel
 * has one, the certificate it was told to trust (`ca`: a mail server's own or its LAN CA's, PEM).
 */
import { X509Certificate } from "node:crypto";
import nodemailer from "nodemailer";
import type { Message } from "../message.ts";
import { networkReason } from "./http.ts";
import type { SendInput, SendResult } from "./http.ts";

export interface SmtpConfig {
  host: string;
  port: number;
  secure: "tls" | "starttls" | "none";
  from: string;
  to: string[];
  /** A PEM certificate (or several) to trust besides the system's CAs. */
  ca?: string;
}

/** ASCII on purpose: an encoded-word subject is harder to filter on in a mail client. */
function smtpSubject(m: Message): string {
  return `[Cairn] ${m.title}`;
}

function refusal(err: { responseCode?: number; response?: string; code?: string }): string {
  const words = (err.response ?? "").replace(/\s+/g, " ").replace(/\S+:\/\/\S+/g, "<url>")
    .slice(0, 120);
  if (err.code === "EAUTH") return `The mail server refused the login: ${words || "no reason"}`;
  if (err.code === "EENVELOPE") return `The mail server refused a recipient: ${words}`;
  return `The mail server refused the message: ${words}`;
}

/** Whether every PEM block in `pem` is a certificate that parses (the schema checks the shape). */
export function certificatesParse(pem: string): boolean {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  try {
    for (const b of blocks) new X509Certificate(b);
    return blocks.length > 0;
  } catch {
    return false; // not DER inside: the caller answers 400 naming the field
  }
}

/** A certificate the appliance does not trust, said so, with what to do about it. */
function tlsReason(err: unknown): string | null {
  const text = String((err as Error)?.message ?? "");
  if (/self[- ]signed|unable to verify|unable to get (local )?issuer|certificate/i.test(text)) {
    if (/expired/i.test(text)) return "The mail server's certificate has expired";
    if (/altname|does not match|hostname/i.test(text)) {
      return "The mail server's certificate is not for this host name";
    }
    return "The mail server's certificate is not trusted (set the certificate to trust)";
  }
  return null;
}

export async function sendSmtp(m: Message, input: SendInput<SmtpConfig>): Promise<SendResult> {
  const { config, secrets, signal } = input;
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure === "tls",
    requireTLS: config.secure === "starttls",
    ignoreTLS: config.secure === "none",
    // Verification stays on: a certificate nobody trusts fails the attempt with a reason.
    tls: { rejectUnauthorized: true, ...(config.ca ? { ca: [config.ca] } : {}) },
    auth: secrets.username ? { user: secrets.username, pass: secrets.password ?? "" } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 10_000,
    logger: false,
    debug: false,
  });
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  try {
    const info = await Promise.race([
      transport.sendMail({
        from: config.from,
        to: config.to,
        subject: smtpSubject(m),
        text: m.body,
        headers: { "X-Cairn-Event": m.event },
      }),
      aborted,
    ]);
    const code = Number(/^(\d{3})/.exec(String(info.response ?? ""))?.[1] ?? 250);
    return { ok: true, status: code, reason: null };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; code?: string; command?: string };
    if (e.code === "ETLS" && e.command === "STARTTLS") {
      // Never sent in plain text instead: the channel asked for the upgrade.
      const reason = "The mail server does not offer STARTTLS (choose tls or none)";
      return { ok: false, status: e.responseCode ?? null, reason, permanent: true };
    }
    if (typeof e.responseCode === "number") {
      const permanent = e.responseCode >= 500 && e.responseCode < 600;
      return { ok: false, status: e.responseCode, reason: refusal(e), permanent };
    }
    return { ok: false, status: null, reason: tlsReason(err) ?? networkReason(err, signal) };
  } finally {
    transport.close();
  }
}
