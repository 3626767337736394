import type { JobView } from "../../../../server/contract/backups.ts";
import { formatTime } from "../../components/format.ts";
import { KIND_LABEL, STATUS_LABEL, statusBadge } from "./job_words.ts";

/** Jobs, newest first: status, what, where, when, and the plain-words outcome. */
export function JobTable(props: { jobs: JobView[]; caption?: string }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{props.caption ?? "Jobs"}</caption>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Job</th>
            <th scope="col">Host</th>
            <th scope="col">Repository</th>
            <th scope="col">When</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {props.jobs.map((j) => (
            <tr key={j.id} data-job={j.id}>
              <td>
                <span class={statusBadge(j.status)}>{STATUS_LABEL[j.status]}</span>
              </td>
              <th scope="row">
                <a href={`/jobs/${encodeURIComponent(j.id)}`}>
                  {KIND_LABEL[j.kind]}
                  {j.plan && ` · ${j.plan.name}`}
                </a>
              </th>
              <td>{j.host.name}</td>
              <td>{j.repository.name}</td>
              <td>
                <time dateTime={j.createdAt}>{formatTime(j.startedAt ?? j.createdAt)}</time>
              </td>
              <td class="details">
                {j.message ?? j.waitingFor ??
                  (j.progress?.percent != null ? `${j.progress.percent.toFixed(0)} %` : "—")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
