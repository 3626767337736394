import type { JobProgress } from "../../../../server/contract/jobs.ts";
import { formatBytes, formatDuration } from "../../components/format.ts";

/** The bar (indeterminate while the tool cannot say how far it is) and the figures under it. */
export function JobProgressCard(props: { progress: JobProgress | null; active: boolean }) {
  const p = props.progress;
  const percent = p?.percent ?? null;
  const shown = percent === null ? null : Math.max(0, Math.min(100, percent));
  return (
    <section class="card" aria-labelledby="progress-title">
      <h2 id="progress-title">Progress</h2>
      <div class="job-progress">
        <progress
          max={100}
          value={shown ?? undefined}
          aria-label={shown === null ? "Progress unknown" : `${shown.toFixed(0)} percent done`}
        />
        <span class="job-progress__figure" data-testid="job-percent">
          {shown === null ? (props.active ? "Working…" : "—") : `${shown.toFixed(1)} %`}
        </span>
      </div>
      <dl class="facts facts--spaced">
        {p?.phase && (
          <>
            <dt>Phase</dt>
            <dd>{p.phase}</dd>
          </>
        )}
        <dt>Files</dt>
        <dd>{count(p?.files, p?.totalFiles)}</dd>
        <dt>Data</dt>
        <dd>{bytes(p?.bytes, p?.totalBytes)}</dd>
        <dt>Throughput</dt>
        <dd>{p?.throughput !== undefined ? `${formatBytes(p.throughput)}/s` : "—"}</dd>
        <dt>Time left</dt>
        <dd>{p?.etaSeconds !== undefined ? formatDuration(p.etaSeconds) : "—"}</dd>
        <dt>Current file</dt>
        <dd>{p?.currentFile ? <code>{p.currentFile}</code> : "—"}</dd>
      </dl>
    </section>
  );
}

function count(done?: number, total?: number): string {
  if (done === undefined && total === undefined) return "—";
  const d = (done ?? 0).toLocaleString();
  return total !== undefined ? `${d} of ${total.toLocaleString()}` : d;
}

function bytes(done?: number, total?: number): string {
  if (done === undefined && total === undefined) return "—";
  const d = formatBytes(done ?? 0);
  return total !== undefined ? `${d} of ${formatBytes(total)}` : d;
}
