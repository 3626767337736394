/**
 * The dashboard's first section: what needs someone now. Open alerts, critical first (failed
 * jobs, stale backups, hosts offline, held locks, size jumps), a line for hosts whose schedule
 * version lags what was pushed, and a link to all of them. Compact on a phone: one line per
 * alert. Its own chunk, fetched only when there is something to show.
 */
import { useMemo } from "preact/hooks";
import type { AlertListView } from "../../../../server/contract/alerts.ts";
import { createSchedulesApi } from "../../api/schedules_api.ts";
import { formatAgo } from "../../components/format.ts";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { driftWords } from "../schedules/schedule_words.ts";
import { needingAttention, safeLink, SEVERITY_BADGE, SEVERITY_LABEL } from "./alert_words.ts";

const SHOWN = 5;

export default function NeedsAttention({ attention }: { attention: AlertListView | null }) {
  const { api } = useStores();
  const schedules = useMemo(() => createSchedulesApi(api.client), [api]);
  const drift = useLoad(async () => {
    const all = await schedules.list();
    const seen = new Map<string, { id: string; name: string; words: string }>();
    for (const s of all) {
      for (const h of s.hosts) {
        const words = driftWords(h);
        if (words && !seen.has(h.hostId)) {
          seen.set(h.hostId, { id: h.hostId, name: h.hostName, words });
        }
      }
    }
    return [...seen.values()];
  });
  const list = needingAttention(attention?.alerts ?? []);
  const drifted = drift.data ?? [];
  if (list.length === 0 && drifted.length === 0) return null;
  const counts = attention?.active;
  const total = counts ? counts.critical + counts.warning + counts.info : list.length;
  return (
    <section class="attention" aria-labelledby="attention-title">
      <div class="card__head">
        <h2 id="attention-title" class="section-title">Needs attention</h2>
        {total > 0 && <a href="/alerts">{total === 1 ? "Open alerts" : `All ${total} alerts`}</a>}
      </div>
      <ul class="attention__list">
        {list.slice(0, SHOWN).map((a) => {
          const link = safeLink(a.link) ?? "/alerts";
          return (
            <li
              key={a.id}
              class={`attention__item attention__item--${a.severity}`}
              data-alert={a.id}
            >
              <span class={SEVERITY_BADGE[a.severity]}>{SEVERITY_LABEL[a.severity]}</span>
              <a href={link} class="attention__title">{a.title}</a>
              <span class="muted attention__when">
                {a.state === "acknowledged" ? "acknowledged" : formatAgo(a.openedAt)}
              </span>
            </li>
          );
        })}
        {drifted.map((d) => (
          <li key={d.id} class="attention__item" data-drift={d.id}>
            <span class="badge">Schedule</span>
            <a href={`/hosts/${encodeURIComponent(d.id)}`} class="attention__title">
              {d.name}: {d.words}
            </a>
          </li>
        ))}
      </ul>
      {list.length > SHOWN && (
        <p class="muted">
          and {list.length - SHOWN} more: <a href="/alerts">see all alerts</a>
        </p>
      )}
    </section>
  );
}
