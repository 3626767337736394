/**
 * The host's schedule on its overview: the version it runs, and the drift when the appliance
 * pushed a newer one than the host applied ("Schedule version 7 pushed, host runs 5"), with a
 * note on "not always online" hosts (laptops), which are judged by backup staleness only.
 */
import { useMemo } from "preact/hooks";
import type { HostDetailView } from "../../../../server/contract/hosts.ts";
import { createAlertsApi } from "../../api/alerts_api.ts";
import { createSchedulesApi } from "../../api/schedules_api.ts";
import { formatAgo } from "../../components/format.ts";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { useAction } from "../common/use_action.ts";
import { Checkbox } from "../plans/form_parts.tsx";
import { driftWords } from "./schedule_words.ts";

export function HostScheduleLine({ host }: { host: HostDetailView }) {
  const { api } = useStores();
  const schedules = useMemo(() => createSchedulesApi(api.client), [api]);
  const loaded = useLoad(() => schedules.hostState(host.id));
  const s = loaded.data;
  if (!s) return null;
  const drift = driftWords(s);
  return (
    <>
      <dt>Schedule</dt>
      <dd data-testid="schedule-state">
        {s.pushedVersion === 0
          ? "none pushed yet"
          : drift
          ? <span class="badge badge--warn badge--words">{drift}</span>
          : `version ${s.appliedVersion}${
            s.appliedAt ? `, applied ${formatAgo(s.appliedAt)}` : ""
          }`}
      </dd>
    </>
  );
}

export function AlwaysOnlineToggle(
  props: { host: HostDetailView; onChanged(): void },
) {
  const { api, session } = useStores();
  const alerts = useMemo(() => createAlertsApi(api.client), [api]);
  const { busy, run } = useAction();
  const h = props.host;
  const change = async (notAlwaysOnline: boolean) => {
    const r = await run(
      () => alerts.setAlwaysOnline(h.id, !notAlwaysOnline),
      notAlwaysOnline
        ? `${h.name} is judged by backup staleness only`
        : `${h.name} is alerted when offline`,
    );
    if (r.ok) props.onChanged();
  };
  return (
    <Checkbox
      label="Not always online (a laptop)"
      checked={!h.alwaysOnline}
      disabled={busy || !session.can("admin")}
      onValue={change}
      hint="No offline alerts for it; it is judged by how old its last backup is."
    />
  );
}
