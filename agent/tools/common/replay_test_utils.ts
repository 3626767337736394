/** Test support: replays a captured run (testdata/<case>.jsonl) through a line parser. */
import { readFileSync } from "node:fs";
import type { DriverEvent, LineParser } from "./events.ts";

export interface CapturedLine {
  stream: "stdout" | "stderr";
  line: string;
}

export interface CaseMeta {
  command: string;
  exitCode: number | null;
  signal: string | null;
  shows: string;
}

export function loadCase(dir: URL, name: string): CapturedLine[] {
  const text = readFileSync(new URL(`${name}.jsonl`, dir), "utf8");
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as CapturedLine);
}

export function loadManifest(dir: URL): Record<string, CaseMeta> {
  return JSON.parse(readFileSync(new URL("manifest.json", dir), "utf8"));
}

export function replay<R>(
  parser: LineParser<R>,
  lines: CapturedLine[],
): { events: DriverEvent[]; result: R | undefined } {
  const events = lines.flatMap((l) => parser.push(l.stream, l.line));
  return { events, result: parser.finish() };
}

export function ofType<T extends DriverEvent["type"]>(
  events: DriverEvent[],
  type: T,
): Extract<DriverEvent, { type: T }>[] {
  return events.filter((e): e is Extract<DriverEvent, { type: T }> => e.type === type);
}
