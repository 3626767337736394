/**
 * One redaction helper for the logger, the error handler and the audit log. It masks values
 * under secret-looking keys and any string that was registered as a secret at run time
 * (a token shown once, a password being set), wherever it appears in a message.
 */

const SECRET_KEY =
  /pass(word|phrase)?|secret|token|api[-_]?key|private|authorization|cookie|hook|credential|csrf|session/i;
export const REDACTED = "[redacted]";

export interface Redactor {
  /** Registers a value that must never be printed (kept until forget). */
  remember(secret: string): void;
  forget(secret: string): void;
  redact<T>(value: T): T;
  redactText(text: string): string;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function createRedactor(): Redactor {
  const secrets = new Set<string>();
  const redactText = (text: string) => {
    let out = text;
    for (const s of secrets) {
      if (s.length >= 6 && out.includes(s)) out = out.split(s).join(REDACTED);
    }
    return out;
  };
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === "string") return redactText(value);
    if (value === null || typeof value !== "object" || depth > 8) return value;
    if (value instanceof Error) {
      return {
        name: value.name,
        message: redactText(value.message),
        stack: redactText(value.stack ?? ""),
      };
    }
    if (Array.isArray(value)) return value.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(value)) {
      out[k] = isSecretKey(k) && x !== null && x !== undefined && typeof x !== "boolean"
        ? REDACTED
        : walk(x, depth + 1);
    }
    return out;
  };
  return {
    remember: (s) => void secrets.add(s),
    forget: (s) => void secrets.delete(s),
    redact: <T>(value: T) => walk(value, 0) as T,
    redactText,
  };
}
