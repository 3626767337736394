/**
 * Retention ("keep last / hourly / daily / weekly / monthly / yearly") in one shape for both
 * tools. Each tool decides what to keep itself; we only pass the numbers along.
 */
import { InvalidOptionsError } from "./result.ts";

export interface Retention {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  /** Keep everything newer than this: a number and one unit, h d w m or y ("36h", "2w"). */
  within?: string;
}

const COUNTS = ["last", "hourly", "daily", "weekly", "monthly", "yearly"] as const;

/**
 * The `--keep-*` flags, in a fixed order; refuses a policy that would keep nothing. The
 * duration is spelled for the tool: borg wants hours as "H", restic has no weeks.
 */
export function retentionFlags(keep: Retention, tool: "restic" | "borg"): string[] {
  const flags: string[] = [];
  for (const name of COUNTS) {
    const n = keep[name];
    if (n === undefined) continue;
    if (!Number.isInteger(n) || n < 1) {
      throw new InvalidOptionsError(`Retention keep-${name} must be a whole number of at least 1`);
    }
    flags.push(`--keep-${name}=${n}`);
  }
  if (keep.within !== undefined) {
    flags.push(`--keep-within=${withinFor(keep.within, tool)}`);
  }
  if (flags.length === 0) {
    throw new InvalidOptionsError("A retention policy needs at least one keep rule");
  }
  return flags;
}

function withinFor(within: string, tool: "restic" | "borg"): string {
  const m = /^(\d+)([hdwmy])$/.exec(within);
  if (!m || Number(m[1]) < 1) {
    throw new InvalidOptionsError("Retention keep-within must look like 36h, 7d, 2w, 6m or 1y");
  }
  const [n, unit] = [Number(m[1]), m[2]];
  if (tool === "borg") return `${n}${unit === "h" ? "H" : unit}`;
  return unit === "w" ? `${n * 7}d` : `${n}${unit}`;
}
