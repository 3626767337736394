/**
 * The last few KiB of a run's output, kept for the job log's "raw tail" and for explaining a
 * failure. Lines are kept as the tool wrote them (in memory only) so failure patterns match
 * what the tool said; everything read out for people goes through the redactor.
 */
import { stripAnsi } from "./events.ts";
import type { TextRedactor } from "./redact.ts";

export const DEFAULT_TAIL_BYTES = 16 * 1024;

export interface OutputTail {
  add(line: string): void;
  /** The kept lines joined and redacted, at most `maxBytes` of text. */
  text(): string;
  /** The kept lines as the tool wrote them: for matching only, never to be shown. */
  rawLines(): string[];
}

export function createOutputTail(
  redactor: TextRedactor,
  maxBytes = DEFAULT_TAIL_BYTES,
): OutputTail {
  const kept: string[] = [];
  let size = 0;
  return {
    add(line) {
      const clean = stripAnsi(line.length > maxBytes ? line.slice(-maxBytes) : line);
      kept.push(clean);
      size += clean.length + 1;
      while (size > maxBytes && kept.length > 1) size -= kept.shift()!.length + 1;
    },
    text: () => redactor.redact(kept.join("\n")),
    rawLines: () => [...kept],
  };
}
