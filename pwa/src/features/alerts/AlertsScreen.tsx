/**
 * /alerts: what needs attention now (open and acknowledged, critical first), the history of
 * resolved alerts, and the rules' settings for admins (`?view=history|rules`). Filters by
 * severity, rule and host live in the address, so a filtered view can be shared or bookmarked.
 */
import { useMemo, useState } from "preact/hooks";
import { ALERT_RULES, ALERT_SEVERITIES } from "../../../../server/contract/alerts.ts";
import type { AlertRule, AlertSeverity, AlertView } from "../../../../server/contract/alerts.ts";
import { createAlertsApi } from "../../api/alerts_api.ts";
import type { AlertsFilter } from "../../api/alerts_api.ts";
import { EmptyState } from "../../components/EmptyState.tsx";
import { SelectField } from "../../components/Field.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { useAction } from "../common/use_action.ts";
import { createHostsApi } from "../hosts/hosts_api.ts";
import { AlertCard } from "./AlertCard.tsx";
import { AlertRulesCard } from "./AlertRulesCard.tsx";
import { byUrgency, RULE_LABEL, SEVERITY_LABEL } from "./alert_words.ts";

type View = "now" | "history" | "rules";
const ANY = { value: "", label: "Any" };

export default function AlertsScreen() {
  const { router, session } = useStores();
  const q = new URLSearchParams(router.search.value);
  const asked = q.get("view");
  const view: View = asked === "history" ? "history" : asked === "rules" ? "rules" : "now";
  const tabs: { id: View; label: string }[] = [
    { id: "now", label: "Needs attention" },
    { id: "history", label: "History" },
    ...(session.can("admin") ? [{ id: "rules" as View, label: "Rules" }] : []),
  ];
  return (
    <section>
      <PageHeader
        title="Alerts"
        lead="Failures, backups that stopped happening, and hosts that went quiet."
      />
      <nav class="tabs" aria-label="Alert views">
        {tabs.map((t) => (
          <a
            key={t.id}
            href={t.id === "now" ? "/alerts" : `/alerts?view=${t.id}`}
            aria-current={t.id === view ? "page" : undefined}
          >
            {t.label}
          </a>
        ))}
      </nav>
      {view === "rules"
        ? <AlertRulesCard />
        : <AlertList key={router.search.value} history={view === "history"} query={q} />}
    </section>
  );
}

function AlertList(props: { history: boolean; query: URLSearchParams }) {
  const { api, router, session } = useStores();
  const alerts = useMemo(() => createAlertsApi(api.client), [api]);
  const filter: AlertsFilter = {
    severity: (props.query.get("severity") || undefined) as AlertSeverity | undefined,
    rule: (props.query.get("rule") || undefined) as AlertRule | undefined,
    hostId: props.query.get("hostId") || undefined,
  };
  const loaded = useLoad(async () => {
    const [page, hosts] = await Promise.all([
      alerts.list({ ...filter, state: props.history ? "resolved" : "active", limit: 200 }),
      createHostsApi(api.client).list().then((l) => l.hosts).catch(() => []),
    ]);
    const list = props.history ? page.alerts : [...page.alerts].sort(byUrgency);
    return { list, hosts };
  });
  const { busy, run } = useAction();
  const [acked, setAcked] = useState<Record<string, AlertView>>({});
  const acknowledge = async (a: AlertView) => {
    const r = await run(() => alerts.acknowledge(a.id), `Acknowledged: ${a.title}`);
    if (r.ok) setAcked((m) => ({ ...m, [a.id]: { ...a, ...r.value, state: "acknowledged" } }));
  };
  const apply = (f: AlertsFilter) => {
    const p = new URLSearchParams();
    if (props.history) p.set("view", "history");
    for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
    const qs = p.toString();
    router.navigate(qs ? `/alerts?${qs}` : "/alerts");
  };
  const d = loaded.data;
  return (
    <>
      <AlertFilters initial={filter} hosts={d?.hosts ?? []} onApply={apply} />
      <LoadState loaded={loaded} what="alerts" />
      {d && d.list.length === 0 && (
        <EmptyState title={props.history ? "No resolved alerts yet" : "Nothing needs attention"}>
          <p>
            {props.history
              ? "Alerts that were resolved, by a person or because their cause went away, are kept here."
              : "Cairn raises an alert when a backup fails, stops happening, or a host goes quiet."}
          </p>
        </EmptyState>
      )}
      <div class="alert-list">
        {d?.list.map((a) => (
          <AlertCard
            key={a.id}
            alert={acked[a.id] ?? a}
            canAcknowledge={session.can("operator")}
            busy={busy}
            onAcknowledge={() => acknowledge(a)}
          />
        ))}
      </div>
    </>
  );
}

function AlertFilters(
  props: {
    initial: AlertsFilter;
    hosts: { id: string; name: string }[];
    onApply(f: AlertsFilter): void;
  },
) {
  const [severity, setSeverity] = useState<string>(props.initial.severity ?? "");
  const [rule, setRule] = useState<string>(props.initial.rule ?? "");
  const [hostId, setHostId] = useState(props.initial.hostId ?? "");
  const submit = (e: Event) => {
    e.preventDefault();
    props.onApply({
      severity: (severity || undefined) as AlertSeverity | undefined,
      rule: (rule || undefined) as AlertRule | undefined,
      hostId: hostId || undefined,
    });
  };
  return (
    <form class="filters card" onSubmit={submit} aria-label="Filter alerts">
      <SelectField
        label="Severity"
        value={severity}
        options={[ANY, ...ALERT_SEVERITIES.map((s) => ({ value: s, label: SEVERITY_LABEL[s] }))]}
        onValue={setSeverity}
      />
      <SelectField
        label="Rule"
        value={rule}
        options={[ANY, ...ALERT_RULES.map((r) => ({ value: r, label: RULE_LABEL[r] }))]}
        onValue={setRule}
      />
      <SelectField
        label="Host"
        value={hostId}
        options={[ANY, ...props.hosts.map((h) => ({ value: h.id, label: h.name }))]}
        onValue={setHostId}
      />
      <div class="filters__actions">
        <button type="submit" class="btn btn--primary">Filter</button>
      </div>
    </form>
  );
}
