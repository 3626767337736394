/**
 * borg 1.2 prune has no JSON output; with `--list --log-json` each decision is a log line
 * from the "borg.output.list" logger:
 *
 *   Keeping archive (rule: daily #1):        web1-2024-01-03   Wed, 2024-01-03 10:00:00 [<id>]
 *   Would prune:                             web1-2024-01-01   Mon, 2024-01-01 10:00:00 [<id>]
 *   Pruning archive (1/2):                   web1-2024-01-01   Mon, 2024-01-01 10:00:00 [<id>]
 *
 * The archive name sits between the label and the date; the 64-hex id at the end is
 * unambiguous. Dates are in borg's zone, UTC under our TZ.
 */
import type { BorgArchive } from "./parser.ts";

const DECISION =
  /^(Keeping archive \(rule: [^)]*\):|Keeping checkpoint archive:|Would prune:|Pruning archive(?: \(\d+\/\d+\))?:)\s+(.+?)\s+\w{3}, (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) \[([0-9a-f]{64})\]\s*$/;

export function pruneDecision(
  message: string,
): { keep: boolean; archive: BorgArchive } | undefined {
  const m = DECISION.exec(message);
  if (!m) return undefined;
  const [, label, name, day, time, id] = m;
  return {
    keep: label.startsWith("Keeping"),
    archive: { name, id, time: `${day}T${time}.000Z` },
  };
}
