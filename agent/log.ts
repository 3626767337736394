/**
 * The agent's log: one JSON object per line on stderr (journald keeps it). Values under
 * secret-looking keys are masked, so a session token or a secret never reaches the journal.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

const SECRET_KEY = /pass(word|phrase)?|secret|token|private|authorization|seed|sealed/i;

function mask(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value === null || typeof value !== "object" || depth > 5) return value;
  if (Array.isArray(value)) return value.map((x) => mask(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && typeof x !== "boolean" && x != null
      ? "[redacted]"
      : mask(x, depth + 1);
  }
  return out;
}

export function createLog(opts: { sink?: (line: string) => void; level?: LogLevel } = {}): LogFn {
  const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
  const min = order[opts.level ?? "info"];
  const sink = opts.sink ?? ((line: string) => console.error(line));
  return (level, msg, fields) => {
    if (order[level] < min) return;
    sink(
      JSON.stringify({
        time: new Date().toISOString(),
        level,
        msg,
        ...(mask(fields ?? {}) as object),
      }),
    );
  };
}
