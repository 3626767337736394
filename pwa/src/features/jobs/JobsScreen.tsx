import { useEffect, useMemo, useState } from "preact/hooks";
import type { JobView } from "../../../../server/contract/backups.ts";
import { createBackupsApi } from "../../api/backups_api.ts";
import type { JobsFilter } from "../../api/backups_api.ts";
import { Notice } from "../../components/Notice.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { createHostsApi } from "../hosts/hosts_api.ts";
import { errorMessage } from "../common/use_action.ts";
import { JobFilters } from "./JobFilters.tsx";
import { JobTable } from "./JobTable.tsx";
import { RunNow } from "./RunNow.tsx";

const PAGE = 50;
const FILTER_KEYS = ["hostId", "planId", "repositoryId", "kind", "status"] as const;

/** The filter a link asked for: /jobs?hostId=…&status=failed */
function filterFromSearch(search: string): JobsFilter {
  const q = new URLSearchParams(search);
  const f: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = q.get(k);
    if (v) f[k] = v;
  }
  return f as JobsFilter;
}

/** Job history with filters and paging, and "Run now" for operators. */
export default function JobsScreen() {
  const { api, router, session } = useStores();
  const backups = useMemo(() => createBackupsApi(api.client), [api]);
  const initial = useMemo(() => filterFromSearch(router.search.value), []);
  const [filter, setFilter] = useState<JobsFilter>(initial);
  const [jobs, setJobs] = useState<JobView[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const choices = useLoad(async () => {
    const [hosts, plans] = await Promise.all([
      createHostsApi(api.client).list().then((l) => l.hosts),
      backups.plans.list(),
    ]);
    return { hosts, plans };
  });

  const load = async (f: JobsFilter, before?: string) => {
    setLoading(true);
    try {
      const page = await backups.jobs.list({ ...f, before, limit: PAGE });
      setJobs((old) => (before ? [...old, ...page.jobs] : page.jobs));
      setNext(page.nextBefore);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => void load(filter), [filter]);

  return (
    <section>
      <PageHeader
        title="Jobs"
        lead="Backups, retention and repository maintenance: what ran, what runs now, and what waits."
        actions={session.can("operator") && !running && (
          <button
            type="button"
            class="btn btn--primary"
            onClick={() => setRunning(true)}
          >
            Run now…
          </button>
        )}
      />
      {running && <RunNow planId={filter.planId} onClose={() => setRunning(false)} />}
      {choices.data && (
        <JobFilters
          initial={filter}
          hosts={choices.data.hosts}
          plans={choices.data.plans}
          onApply={setFilter}
        />
      )}
      {error && <Notice kind="error">Could not load jobs: {error}</Notice>}
      {!error && !loading && jobs.length === 0 && <p class="muted">No jobs match these filters.</p>}
      {jobs.length > 0 && <JobTable jobs={jobs} />}
      <div class="load-more" aria-live="polite">
        {loading && <span class="loading">Loading…</span>}
        {!loading && next && (
          <button
            type="button"
            class="btn"
            onClick={() => void load(filter, next)}
          >
            Load more
          </button>
        )}
      </div>
    </section>
  );
}
