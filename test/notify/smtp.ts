/**
 * A local SMTP server (smtp-server) that records each message it accepts, or refuses: a wrong
 * login (535) or a recipient it will not take (550). Plain SMTP on 127.0.0.1 (secure "none").
 */
import { SMTPServer } from "smtp-server";

export interface Mail {
  from: string;
  to: string[];
  raw: string;
  user: string | null;
}

export interface SmtpFixture {
  port: number;
  mails: Mail[];
  close(): Promise<void>;
}

export async function startSmtp(opts: {
  /** Require this login (AUTH PLAIN/LOGIN over plain text, allowed for the test). */
  login?: { user: string; pass: string };
  /** Refuse every recipient with 550. */
  refuseRecipients?: boolean;
} = {}): Promise<SmtpFixture> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: opts.login ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
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
        const err = new Error("Mailbox unavailable") as Error & { responseCode: number };
        err.responseCode = 550;
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
        });
        cb();
      });
    },
  });
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
