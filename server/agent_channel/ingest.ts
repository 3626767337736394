/**
 * Sorting an incoming report batch: which reports can be stored and which are refused, by id,
 * with a reason. One report a newer agent makes, or one about a job this host was never given,
 * must not hold back the rest of its batch.
 */
import * as v from "valibot";
import { HOST_REPORT_KINDS, HostFactsSchema, LIMITS, ReportSchema } from "../contract/agent.ts";
import type { IngestResponse, Report } from "../contract/agent.ts";

const HOST_KINDS = new Set<string>(HOST_REPORT_KINDS);

export interface SortedBatch {
  accepted: Report[];
  refused: IngestResponse["refused"];
  commandAcks: string[];
  facts: Record<string, unknown> | null;
  alerts: Report[];
}

/** Checks each report on its own; duplicates within the batch count once. */
export function parseReports(
  raw: Array<{ id: string }>,
): { parsed: Report[]; refused: IngestResponse["refused"] } {
  const refused: IngestResponse["refused"] = [];
  const seen = new Set<string>();
  const parsed: Report[] = [];
  for (const item of raw) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    const r = v.safeParse(ReportSchema, item);
    if (!r.success) {
      const field = (r.issues[0].path ?? []).map((p) => String(p.key)).join(".") || "report";
      refused.push({ id: item.id, reason: `Malformed report: ${field.slice(0, 40)} is not valid` });
    } else if (JSON.stringify(r.output.body).length > LIMITS.reportBodyChars) {
      refused.push({
        id: item.id,
        reason: `Report body is larger than ${LIMITS.reportBodyChars} characters`,
      });
    } else parsed.push(r.output);
  }
  return { parsed, refused };
}

export function jobIdsOf(reports: Report[]): string[] {
  return [...new Set(reports.map((r) => r.jobId).filter((j): j is string => j !== null))];
}

/** Accepts host-level kinds and reports about jobs this host was given (`knownJobs`). */
export function sortReports(parsed: Report[], knownJobs: Set<string>): SortedBatch {
  const out: SortedBatch = { accepted: [], refused: [], commandAcks: [], facts: null, alerts: [] };
  for (const r of parsed) {
    if (r.jobId !== null && !knownJobs.has(r.jobId)) {
      out.refused.push({
        id: r.id,
        reason: "Unknown job: no command of the appliance gave this job to this host",
      });
      continue;
    }
    if (r.jobId === null && !HOST_KINDS.has(r.kind)) {
      out.refused.push({ id: r.id, reason: "Unknown report kind without a job" });
      continue;
    }
    if (r.kind === "facts") {
      const f = v.safeParse(HostFactsSchema, r.body);
      if (!f.success) {
        out.refused.push({ id: r.id, reason: "Malformed facts" });
        continue;
      }
      out.facts = f.output;
    }
    if (r.kind === "command.ack" && typeof r.body.commandId === "string") {
      out.commandAcks.push(r.body.commandId);
    }
    if (r.kind === "alert") out.alerts.push(r);
    out.accepted.push(r);
  }
  return out;
}
