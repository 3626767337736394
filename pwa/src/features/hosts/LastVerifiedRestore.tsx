import { useMemo, useState } from "preact/hooks";
import type { PlanView } from "../../../../server/contract/backups.ts";
import type {
  CreatedDrill,
  CreateDrill,
  DrillView,
  LastVerifiedView,
} from "../../../../server/contract/drills.ts";
import type { HostDetailView } from "../../../../server/contract/hosts.ts";
import type { ApiClient } from "../../api/client.ts";
import { createBackupsApi } from "../../api/backups_api.ts";
import { formatAgo, formatBytes } from "../../components/format.ts";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { useAction } from "../common/use_action.ts";
import { DrillSchedule } from "../drills/DrillSchedule.tsx";

function createDrillsApi(client: ApiClient) {
  return {
    latest: (hostId: string) =>
      client.get<LastVerifiedView>(`/api/hosts/${encodeURIComponent(hostId)}/drills/latest`),
    run: (body: Partial<CreateDrill> & { hostId: string }) =>
      client.send<CreatedDrill>("POST", "/api/drills", body),
  };
}

const seconds = (ms: number | null) => ms === null ? "—" : `${(ms / 1000).toFixed(1)} s`;
const rate = (bps: number | null) => bps === null ? "—" : `${formatBytes(bps)}/s`;

/** One bar per drill, oldest first: height by throughput, red when it failed. */
function Trend({ drills }: { drills: DrillView[] }) {
  const top = Math.max(1, ...drills.map((d) => d.throughput ?? 0));
  const label = drills.map((d) => `${d.outcome} ${rate(d.throughput)}`).join(", ");
  return (
    <span class="drill-trend" role="img" aria-label={`Last drills, oldest first: ${label}`}>
      {[...drills].reverse().map((d) => (
        <span
          key={d.job.id}
          class={d.outcome === "ok" ? "drill-bar" : "drill-bar drill-bar--failed"}
          style={{
            display: "inline-block",
            width: "6px",
            marginRight: "2px",
            verticalAlign: "bottom",
            height: `${Math.max(3, Math.round(((d.throughput ?? 0) / top) * 20))}px`,
            background: d.outcome === "ok" ? "var(--good)" : "var(--bad)",
          }}
        />
      ))}
    </span>
  );
}

/**
 * "Last verified restore" on a host's overview: when a restore drill last passed, how long it
 * took and how fast, the last failure if it came after, a trend of the last drills, for
 * operators a button that runs a drill of one of the host's plans, and the host's drill schedule.
 */
export function LastVerifiedRestore({ host }: { host: HostDetailView }) {
  const { api, session, router } = useStores();
  const drills = useMemo(() => createDrillsApi(api.client), [api]);
  const backups = useMemo(() => createBackupsApi(api.client), [api]);
  const loaded = useLoad(() => drills.latest(host.id));
  const plans = useLoad(() => backups.plans.list(host.id));
  const { busy, run } = useAction();
  const [planId, setPlanId] = useState("");
  const v = loaded.data;
  const ok = v?.lastOk ?? null;
  const latest = v?.latest ?? null;
  const start = async (plan: PlanView | undefined) => {
    if (!plan) return;
    const r = await run(() => drills.run({ hostId: host.id, planId: plan.id }), "Drill started");
    if (r.ok && r.value.jobs[0]) {
      router.navigate(`/jobs/${encodeURIComponent(r.value.jobs[0].id)}`);
    }
  };
  const list = plans.data ?? [];
  const chosen = list.find((p) => p.id === planId) ?? list[0];
  return (
    <section class="card" aria-labelledby="drill-title">
      <h2 id="drill-title">Last verified restore</h2>
      {loaded.error && <p class="muted">Restore drills could not be loaded.</p>}
      {v && !ok && !latest && <p class="muted">No restore drill has run on this host yet.</p>}
      {ok && (
        <p data-testid="last-verified">
          {formatAgo(ok.finishedAt ?? ok.at)}: {ok.checked ?? ok.sampleSize} files restored in{" "}
          {seconds(ok.durationMs)} at {rate(ok.throughput)}
          {ok.canary && ", canary included"}
        </p>
      )}
      {latest && latest.outcome === "failed" && (
        <p class="notice notice--error" role="status">
          The last drill failed {formatAgo(latest.finishedAt ?? latest.at)}: {latest.message ??
            "see the job"} (<a href={`/jobs/${encodeURIComponent(latest.job.id)}`}>job</a>)
        </p>
      )}
      {v && v.trend.length > 1 && (
        <p>
          Trend: <Trend drills={v.trend} />
        </p>
      )}
      {session.can("operator") && list.length > 0 && (
        <p class="button-row">
          {list.length > 1 && (
            <select
              aria-label="Plan to drill"
              value={chosen?.id}
              onChange={(e) => setPlanId((e.target as HTMLSelectElement).value)}
            >
              {list.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
            </select>
          )}
          <button type="button" class="btn" disabled={busy} onClick={() => start(chosen)}>
            Run a drill
          </button>
        </p>
      )}
      <DrillSchedule hostId={host.id} />
    </section>
  );
}
