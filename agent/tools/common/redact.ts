/**
 * Redaction for everything a driver prints or returns: the command line, events, the output
 * tail and error messages. Secrets known to the run (repository passwords, key passphrases,
 * REST and S3 credentials) are masked wherever they appear, and so is the password part of any
 * URL (`scheme://user:password@host`), since restic 0.14 takes REST credentials only in the URL.
 */

export const MASK = "***";

export interface TextRedactor {
  redact(text: string): string;
}

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)([^@\s/]+)@/gi;

export function createRedactor(secrets: Iterable<string | undefined>): TextRedactor {
  const known = [...new Set([...secrets].filter((s): s is string => !!s && s.length >= 3))]
    .sort((a, b) => b.length - a.length);
  const variants = known.flatMap((s) => {
    const encoded = encodeURIComponent(s);
    return encoded === s ? [s] : [s, encoded];
  });
  return {
    redact(text) {
      let out = text;
      for (const s of variants) {
        if (out.includes(s)) out = out.split(s).join(MASK);
      }
      return out.replace(URL_PASSWORD, `$1${MASK}@`);
    },
  };
}

/** Shell-like quoting, for command lines shown to people (never executed through a shell). */
export function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'"'"'`)}'`;
}

export function formatCommand(command: string, args: string[], redactor: TextRedactor): string {
  return redactor.redact([command, ...args].map(quoteArg).join(" "));
}
