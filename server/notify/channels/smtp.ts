/**
 * Email over SMTP with nodemailer. `secure` picks how TLS is used: "tls" connects with TLS at
 * once (port 465), "starttls" insists on the upgrade (587; nodemailer's requireTLS), "none"
 * never upgrades (a relay on the LAN). A refusal becomes a reason with the server's reply code
 * and the first words of its reply, which name the problem (authentication, a refused
 * recipient) and, unlike a thrown error's message, never the password.
 */
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
}

/** ASCII on purpose: an encoded-word subject is harder to filter on in a mail client. */
export function smtpSubject(m: Message): string {
  return `[Cairn] ${m.title}`;
}

function refusal(err: { responseCode?: number; response?: string; code?: string }): string {
  const words = (err.response ?? "").replace(/\s+/g, " ").replace(/\S+:\/\/\S+/g, "<url>")
    .slice(0, 120);
  if (err.code === "EAUTH") return `The mail server refused the login: ${words || "no reason"}`;
  if (err.code === "EENVELOPE") return `The mail server refused a recipient: ${words}`;
  return `The mail server refused the message: ${words}`;
}

export async function sendSmtp(m: Message, input: SendInput<SmtpConfig>): Promise<SendResult> {
  const { config, secrets, signal } = input;
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure === "tls",
    requireTLS: config.secure === "starttls",
    ignoreTLS: config.secure === "none",
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
    const e = err as { responseCode?: number; response?: string; code?: string };
    if (typeof e.responseCode === "number") {
      return { ok: false, status: e.responseCode, reason: refusal(e) };
    }
    return { ok: false, status: null, reason: networkReason(err, signal) };
  } finally {
    transport.close();
  }
}
