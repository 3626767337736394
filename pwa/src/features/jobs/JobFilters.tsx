import { useState } from "preact/hooks";
import type { JobStatus, PlanView } from "../../../../server/contract/backups.ts";
import { JOB_STATUSES } from "../../../../server/contract/backups.ts";
import type { HostView } from "../../../../server/contract/hosts.ts";
import { JOB_KINDS } from "../../../../server/contract/jobs.ts";
import type { JobKind } from "../../../../server/contract/jobs.ts";
import type { JobsFilter } from "../../api/backups_api.ts";
import { Field, SelectField } from "../../components/Field.tsx";
import { KIND_LABEL, STATUS_LABEL } from "./job_words.ts";

const ANY = { value: "", label: "Any" };

/** Filters for the job history: host, plan, kind, status and a time window. */
export function JobFilters(
  props: {
    initial: JobsFilter;
    hosts: HostView[];
    plans: PlanView[];
    onApply(f: JobsFilter): void;
  },
) {
  const [hostId, setHostId] = useState(props.initial.hostId ?? "");
  const [planId, setPlanId] = useState(props.initial.planId ?? "");
  const [kind, setKind] = useState<string>(props.initial.kind ?? "");
  const [status, setStatus] = useState<string>(props.initial.status ?? "");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);
  const apply = (e: Event) => {
    e.preventDefault();
    props.onApply({
      hostId: hostId || undefined,
      planId: planId || undefined,
      repositoryId: props.initial.repositoryId,
      kind: (kind || undefined) as JobKind | undefined,
      status: (status || undefined) as JobStatus | undefined,
      since: iso(since),
      until: iso(until),
    });
  };
  return (
    <form class="filters card" onSubmit={apply} aria-label="Filter jobs">
      <SelectField
        label="Host"
        value={hostId}
        options={[ANY, ...props.hosts.map((h) => ({ value: h.id, label: h.name }))]}
        onValue={setHostId}
      />
      <SelectField
        label="Plan"
        value={planId}
        options={[ANY, ...props.plans.map((p) => ({ value: p.id, label: p.name }))]}
        onValue={setPlanId}
      />
      <SelectField
        label="Kind"
        value={kind}
        options={[ANY, ...JOB_KINDS.map((k) => ({ value: k, label: KIND_LABEL[k] }))]}
        onValue={setKind}
      />
      <SelectField
        label="Status"
        value={status}
        options={[ANY, ...JOB_STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s] }))]}
        onValue={setStatus}
      />
      <Field label="From" type="datetime-local" value={since} onValue={setSince} />
      <Field label="To" type="datetime-local" value={until} onValue={setUntil} />
      <div class="filters__actions">
        <button type="submit" class="btn btn--primary">Filter</button>
      </div>
    </form>
  );
}
