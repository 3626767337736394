import { Fragment } from "preact";
import type { JobDetail } from "../../../../server/contract/backups.ts";
import type { LocksResult, TestResult } from "../../../../server/contract/jobs.ts";
import type { DrillResult } from "../../../../server/contract/drills.ts";
import { formatBytes, formatTime } from "../../components/format.ts";
import { DrillFindings } from "./DrillFindings.tsx";

const BYTE_KEYS = /bytes|size/i;

/** What the job found: the snapshot it made, figures, locks and their holders, test findings. */
export function JobResult(props: { job: JobDetail }) {
  const j = props.job;
  const r = j.result ?? {};
  if (!j.snapshotId && Object.keys(r).length === 0) return null;
  return (
    <section class="card" aria-labelledby="result-title">
      <h2 id="result-title">Result</h2>
      {j.snapshotId && (
        <p>
          Snapshot <code data-testid="job-snapshot">{j.snapshotId}</code>
        </p>
      )}
      {j.kind === "locks" && <LocksTable result={r as unknown as LocksResult} />}
      {j.kind === "test" && <TestFindings result={r as unknown as TestResult} />}
      {j.kind === "drill" && <DrillFindings result={r as unknown as DrillResult} />}
      {!["locks", "test", "drill"].includes(j.kind) && <Figures result={r} />}
    </section>
  );
}

export function LocksTable(props: { result: LocksResult }) {
  const locks = Array.isArray(props.result.locks) ? props.result.locks : [];
  if (locks.length === 0) return <p>No locks: nothing holds the repository.</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Locks</caption>
        <thead>
          <tr>
            <th scope="col">Held by</th>
            <th scope="col">Process</th>
            <th scope="col">Since</th>
            <th scope="col">Kind</th>
          </tr>
        </thead>
        <tbody>
          {locks.map((l, i) => (
            <tr key={l.id ?? i}>
              <td>{l.hostname ?? "unknown host"}</td>
              <td>{l.pid ?? "—"}</td>
              <td>{l.since !== undefined ? formatTime(l.since) : "—"}</td>
              <td>{l.exclusive ? "exclusive" : "shared"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TestFindings(props: { result: TestResult }) {
  const t = props.result;
  return (
    <dl class="facts">
      <dt>Reachable</dt>
      <dd>{yesNo(t.reachable)}</dd>
      <dt>Repository found</dt>
      <dd>{yesNo(t.repositoryFound)}</dd>
      {t.tool && (
        <>
          <dt>Tool</dt>
          <dd>{t.tool.name} {t.tool.version ?? "(version unknown)"}</dd>
        </>
      )}
      {t.remoteBorgVersion && (
        <>
          <dt>borg on the server</dt>
          <dd>{t.remoteBorgVersion}</dd>
        </>
      )}
      {t.hostKey && (
        <>
          <dt>Server's host key</dt>
          <dd>
            <code>{t.hostKey}</code>
          </dd>
        </>
      )}
      {Array.isArray(t.details) && t.details.length > 0 && (
        <>
          <dt>Details</dt>
          <dd>
            <ul class="plain-list">{t.details.map((d, i) => <li key={i}>{d}</li>)}</ul>
          </dd>
        </>
      )}
    </dl>
  );
}

function Figures(props: { result: Record<string, unknown> }) {
  // One level of nesting is opened ({ stats: { files, bytes } } shows files and bytes).
  const flat = Object.entries(props.result).flatMap(([k, v]) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.entries(v) : [[k, v] as const]
  );
  const rows = flat.filter(([, v]) =>
    typeof v === "number" || typeof v === "string" || typeof v === "boolean"
  );
  if (rows.length === 0) return null;
  return (
    <dl class="facts">
      {rows.map(([k, v]) => (
        <Fragment key={k}>
          <dt>{words(k)}</dt>
          <dd>{show(k, v)}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** "deduplicationRatio" → "Deduplication ratio" */
function words(key: string): string {
  const s = key.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function show(key: string, v: unknown): string {
  if (typeof v === "number") {
    if (BYTE_KEYS.test(key)) return formatBytes(v);
    if (/ratio/i.test(key)) return `${v.toFixed(2)}×`;
    return v.toLocaleString();
  }
  if (typeof v === "boolean") return yesNo(v);
  return String(v);
}

const yesNo = (b: boolean) => (b ? "yes" : "no");
