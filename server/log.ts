/** JSON-lines logger. Everything it writes passes through the redactor first. */
import type { LogLevel } from "./config.ts";
import process from "node:process";
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

/**
 * Writes lines to stdout in batches: one write per event-loop turn instead of one per line,
 * which keeps the access log from costing more than the request it describes. flush() is called
 * on shutdown; a kill -9 can lose only the lines of the current turn.
 */
export function createStdoutSink(): LogSink & { flush(): void } {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join("\n") + "\n";
    pending = [];
    process.stdout.write(text);
  };
  const sink = (line: string) => {
    pending.push(line);
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, 0);
    }
  };
  return Object.assign(sink, { flush });
}

export function createLogger(
  opts: { level: LogLevel; redactor: Redactor; sink?: LogSink; now?: () => number },
): Logger {
  const sink = opts.sink ?? createStdoutSink();
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
