import { useEffect, useMemo, useState } from "preact/hooks";
import type { JobDetail } from "../../../../server/contract/backups.ts";
import { createBackupsApi } from "../../api/backups_api.ts";
import { isActive } from "../../api/job_stream.ts";
import { formatDuration, formatTime } from "../../components/format.ts";
import { Notice } from "../../components/Notice.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { createJobFollowStore } from "../../state/job_follow_store.ts";
import type { ScreenProps } from "../../state/router_store.ts";
import { useStores } from "../../state/stores.ts";
import { errorMessage, useAction } from "../common/use_action.ts";
import { FAILURE_LABEL, jobTitle, KIND_LABEL, STATUS_LABEL, statusBadge } from "./job_words.ts";
import { JobLog } from "./JobLog.tsx";
import { JobProgressCard } from "./JobProgressCard.tsx";
import { JobResult } from "./JobResult.tsx";

const CONNECTION: Record<string, string> = {
  loading: "Loading…",
  live: "Live",
  reconnecting: "Connection lost; reconnecting…",
  ended: "",
  error: "",
};

/** One job, live while it runs: status, progress, the following log, cancel, the outcome. */
export default function JobScreen({ params }: ScreenProps) {
  const { api } = useStores();
  const store = useMemo(() => createJobFollowStore(createBackupsApi(api.client), params.id), [
    params.id,
  ]);
  useEffect(() => store.start(), [store]);
  const job = store.job.value;
  const state = store.state.value;
  return (
    <section>
      <PageHeader
        title={job ? jobTitle(job) : "Job"}
        lead={job && (
          <>
            <span class={statusBadge(job.status)} data-testid="job-status">
              {STATUS_LABEL[job.status]}
            </span>
            {CONNECTION[state] && <span class="muted" role="status">{CONNECTION[state]}</span>}
          </>
        )}
        actions={job && <CancelButton job={job} />}
      />
      {state === "error" && (
        <Notice kind="error">
          <p>Could not load the job: {errorMessage(store.error.value)}</p>
        </Notice>
      )}
      {!job && state !== "error" && <p class="loading" aria-busy="true">Loading the job…</p>}
      {job && <JobBody job={job} store={store} />}
      <p>
        <a href="/jobs">All jobs</a>
      </p>
    </section>
  );
}

function JobBody(props: { job: JobDetail; store: ReturnType<typeof createJobFollowStore> }) {
  const j = props.job;
  const active = isActive(j);
  return (
    <>
      <Outcome job={j} />
      {j.status === "running" && (
        <JobProgressCard progress={props.store.progress.value} active={active} />
      )}
      <JobResult job={j} />
      <JobFacts job={j} />
      <JobLog lines={props.store.lines.value} live={active} />
    </>
  );
}

function Outcome(props: { job: JobDetail }) {
  const j = props.job;
  const [raw, setRaw] = useState(false);
  if (j.status === "queued") {
    return <Notice>{j.waitingFor ?? "Waiting its turn on the appliance."}</Notice>;
  }
  if (j.status === "sent") return <Notice>Sent to {j.host.name}; waiting for it to start.</Notice>;
  if (j.status === "running" && j.cancelRequested) {
    return <Notice kind="warning">Cancel requested; the host is stopping the job.</Notice>;
  }
  if (j.status !== "failed" && j.status !== "warning" && j.status !== "cancelled") return null;
  const kind = j.status === "failed" ? "error" : "warning";
  return (
    <Notice kind={kind}>
      <p>
        {j.failureCode && <strong>{FAILURE_LABEL[j.failureCode]}:</strong>}{" "}
        <span data-testid="job-message">
          {j.message ?? (j.status === "cancelled" ? "The job was cancelled." : "No reason given.")}
        </span>
        {j.exitCode !== null && <span class="muted">{` (exit code ${j.exitCode})`}</span>}
      </p>
      {j.tail && (
        <>
          <button
            type="button"
            class="btn btn--small"
            aria-expanded={raw}
            onClick={() => setRaw(!raw)}
          >
            {raw ? "Hide raw output" : "Show raw output"}
          </button>
          {raw && <pre class="raw-output" aria-label="Raw output">{j.tail}</pre>}
        </>
      )}
    </Notice>
  );
}

function JobFacts(props: { job: JobDetail }) {
  const j = props.job;
  const took = j.startedAt && j.finishedAt
    ? formatDuration((Date.parse(j.finishedAt) - Date.parse(j.startedAt)) / 1000)
    : null;
  return (
    <section class="card" aria-labelledby="job-facts-title">
      <h2 id="job-facts-title">Details</h2>
      <dl class="facts">
        <dt>Kind</dt>
        <dd>{KIND_LABEL[j.kind]}</dd>
        <dt>Host</dt>
        <dd>
          <a href={`/hosts/${encodeURIComponent(j.host.id)}`}>{j.host.name}</a>
        </dd>
        <dt>Repository</dt>
        <dd>
          <a href={`/repositories/${encodeURIComponent(j.repository.id)}`}>{j.repository.name}</a>
          {" "}
          <span class="muted">({j.repository.engine})</span>
        </dd>
        {j.plan && (
          <>
            <dt>Plan</dt>
            <dd>
              <a href={`/plans/${encodeURIComponent(j.plan.id)}`}>{j.plan.name}</a>
            </dd>
          </>
        )}
        <dt>Started by</dt>
        <dd>{j.createdBy} ({j.trigger}), {formatTime(j.createdAt)}</dd>
        <dt>Ran</dt>
        <dd>
          {j.startedAt ? formatTime(j.startedAt) : "not yet"}
          {j.finishedAt && ` to ${formatTime(j.finishedAt)}`}
          {took && ` (${took})`}
        </dd>
        {j.command && (
          <>
            <dt>Command</dt>
            <dd>
              <code>{j.command}</code>
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

function CancelButton(props: { job: JobDetail }) {
  const { api, session } = useStores();
  const { busy, run } = useAction();
  const j = props.job;
  if (!session.can("operator") || !isActive(j) || j.cancelRequested) return null;
  const cancel = () =>
    run(() => createBackupsApi(api.client).jobs.cancel(j.id), "Cancel requested");
  return (
    <button type="button" class="btn btn--danger" disabled={busy} onClick={cancel}>
      Cancel job
    </button>
  );
}
