import { useEffect, useState } from "preact/hooks";
import type { AuditEntryView } from "../../../../server/contract/api.ts";
import type { AuditFilter } from "../../api/cairn_api.ts";
import { formatTime } from "../../components/format.ts";
import { Notice } from "../../components/Notice.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useStores } from "../../state/stores.ts";
import { errorMessage } from "../common/use_action.ts";
import { AuditFilters } from "./AuditFilters.tsx";

const PAGE = 50;

export default function AuditScreen() {
  const { api } = useStores();
  const [filter, setFilter] = useState<AuditFilter>({});
  const [entries, setEntries] = useState<AuditEntryView[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = async (f: AuditFilter, before?: string) => {
    setLoading(true);
    try {
      const page = await api.audit({ ...f, before, limit: PAGE });
      setEntries((old) => (before ? [...old, ...page.entries] : page.entries));
      setNext(page.next);
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
        title="Audit log"
        lead="Every change made on this appliance: who, what, when and from where. Newest first."
      />
      <AuditFilters onApply={setFilter} />
      {error && <Notice kind="error">Could not load the audit log: {error}</Notice>}
      {!error && !loading && entries.length === 0 && (
        <p class="muted">No entries match these filters.</p>
      )}
      {entries.length > 0 && <AuditTable entries={entries} />}
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

function AuditTable({ entries }: { entries: AuditEntryView[] }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Audit entries</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">From</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id}>
              <td>
                <time dateTime={e.at}>{formatTime(e.at)}</time>
              </td>
              <td>
                {e.actor.name}{" "}
                {e.actor.type !== "user" && <span class="badge">{e.actor.type}</span>}
              </td>
              <td>
                <code>{e.action}</code>
              </td>
              <td>{e.target ? <code>{e.target.type}:{e.target.id}</code> : "—"}</td>
              <td>{e.ip ?? "—"}</td>
              <td class="details">{describe(e.details)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function describe(details: Record<string, unknown>): string {
  const parts = Object.entries(details).map(([k, v]) =>
    `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`
  );
  return parts.length ? parts.join(", ") : "—";
}
