/**
 * A local SMTP server (smtp-server) that records each message it accepts, or refuses: a wrong
 * login (535), a recipient it will not take (550) or not yet (450, greylisting). Plain SMTP on
 * 127.0.0.1 by default; with `tls`, TLS from the first byte ("tls") or offered with STARTTLS
 * ("starttls"), with the certificate given.
 */
import { SMTPServer } from "smtp-server";

export interface Mail {
  from: string;
  to: string[];
  raw: string;
  user: string | null;
  /** Whether the session was encrypted when the message came. */
  secure: boolean;
}

export interface SmtpFixture {
  port: number;
  mails: Mail[];
  close(): Promise<void>;
}

export async function startSmtp(opts: {
  /** Require this login (AUTH PLAIN/LOGIN over plain text, allowed for the test). */
  login?: { user: string; pass: string };
  /** Refuse every recipient with 550, or for now with 450. */
  refuseRecipients?: boolean | "for now";
  tls?: { mode: "tls" | "starttls"; cert: string; key: string };
} = {}): Promise<SmtpFixture> {
  const mails: Mail[] = [];
  const disabled = [
    ...(opts.tls?.mode === "starttls" ? [] : ["STARTTLS"]),
    ...(opts.login ? [] : ["AUTH"]),
  ];
  const server = new SMTPServer({
    secure: opts.tls?.mode === "tls",
    ...(opts.tls ? { cert: opts.tls.cert, key: opts.tls.key } : {}),
    disabledCommands: disabled,
    authOptional: !opts.login,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (opts.login && auth.username === opts.login.user && auth.password === opts.login.pass) {
        return cb(null, { user: auth.username });
      }
      const err = new Error("Authentication credentials invalid") as Error & {
        responseCode: number;
      };
      err.responseCode = 535;
      cb(err);
    },
    onRcptTo(_addr, _session, cb) {
      if (opts.refuseRecipients) {
        const later = opts.refuseRecipients === "for now";
        const err = new Error(later ? "Greylisted, try again later" : "Mailbox unavailable");
        (err as Error & { responseCode: number }).responseCode = later ? 450 : 550;
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Uint8Array[] = [];
      stream.on("data", (c: Uint8Array) => chunks.push(c));
      stream.on("end", () => {
        const total = chunks.reduce((n, c) => n + c.length, 0);
        const all = new Uint8Array(total);
        let at = 0;
        for (const c of chunks) (all.set(c, at), at += c.length);
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: new TextDecoder().decode(all),
          user: (session.user as string | undefined) ?? null,
          secure: session.secure,
        });
        cb();
      });
    },
  });
  // A client that refuses the certificate ends its session: expected in the TLS tests.
  server.on("error", () => {});
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const addr = server.server.address();
      resolve(typeof addr === "object" && addr ? addr.port : 0);
    });
  });
  return {
    port,
    mails,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
