import type { DrillResult } from "../../../../server/contract/drills.ts";
import { formatBytes } from "../../components/format.ts";

/** A restore drill's figures and the files that did not hold up. */
export function DrillFindings(props: { result: DrillResult }) {
  const r = props.result;
  const mismatches = Array.isArray(r.mismatches) ? r.mismatches : [];
  const num = (n: unknown) => (typeof n === "number" ? n : null);
  return (
    <>
      <dl class="facts">
        <dt>Files checked</dt>
        <dd data-testid="drill-checked">{num(r.checked) ?? "—"}</dd>
        <dt>Restored</dt>
        <dd>{num(r.bytes) === null ? "—" : formatBytes(r.bytes)}</dd>
        <dt>Duration</dt>
        <dd>{num(r.durationMs) === null ? "—" : `${(r.durationMs / 1000).toFixed(1)} s`}</dd>
        <dt>Throughput</dt>
        <dd>{num(r.throughput) === null ? "—" : `${formatBytes(r.throughput)}/s`}</dd>
        <dt>Compared with the live file</dt>
        <dd>
          {num(r.liveCompared) ?? 0} ({num(r.liveSkipped) ?? 0} changed since the backup, skipped)
        </dd>
      </dl>
      {mismatches.length === 0 ? <p>Every sampled file matched the snapshot.</p> : (
        <>
          <h3>Files that did not match</h3>
          <ul class="plain-list" data-testid="drill-mismatches">
            {mismatches.map((m) => (
              <li key={m.path}>
                <code>{m.path}</code>: {m.why}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
