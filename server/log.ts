/** JSON-lines logger. Everything it writes passes through the redactor first. */
import type { LogLevel } from "./config.ts";
import type { Redactor } from "./secrets/redact.ts";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export type LogSink = (line: string) => void;

export function createLogger(
  opts: { level: LogLevel; redactor: Redactor; sink?: LogSink; now?: () => number },
): Logger {
  const sink = opts.sink ?? ((line: string) => console.log(line));
  const now = opts.now ?? Date.now;
  const min = ORDER[opts.level];
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    const entry = { time: new Date(now()).toISOString(), level, msg, ...(fields ?? {}) };
    sink(JSON.stringify(opts.redactor.redact(entry)));
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}
