/**
 * The plan's schedules on the plan page: one row per kind (compact only for borg), the plan's
 * pause ("for 4 hours", "until tomorrow", "until resumed") and Resume. Loaded lazily with the
 * plan screen; the schedules API is made on demand.
 */
import { useMemo } from "preact/hooks";
import type { PausePlan, ScheduleKind } from "../../../../server/contract/schedules.ts";
import { SCHEDULE_KINDS } from "../../../../server/contract/schedules.ts";
import { createSchedulesApi } from "../../api/schedules_api.ts";
import type { SchedulesApi } from "../../api/schedules_api.ts";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { useAction } from "../common/use_action.ts";
import { ScheduleRow } from "./ScheduleEditor.tsx";
import { pauseWords, timeZones, viewerZone } from "./schedule_words.ts";

export function PlanSchedules(
  props: { planId: string; planName: string; engine: string; enabled: boolean },
) {
  const { api, session } = useStores();
  const schedules = useMemo(() => createSchedulesApi(api.client), [api]);
  const loaded = useLoad(() => schedules.list({ planId: props.planId }));
  const zones = useMemo(() => timeZones(viewerZone()), []);
  const canEdit = session.can("operator");
  const list = loaded.data ?? [];
  const kinds = SCHEDULE_KINDS.filter((k) => k !== "compact" || props.engine === "borg");
  const pausedUntil = list.find((s) => s.pausedUntil)?.pausedUntil ?? null;
  const paused = pauseWords(pausedUntil);
  const reload = () => void loaded.reload();
  return (
    <section class="card schedules" aria-labelledby="schedules-title">
      <div class="card__head">
        <h2 id="schedules-title">Schedules</h2>
        {paused && <span class="badge badge--warn" data-testid="plan-paused">{paused}</span>}
      </div>
      {!props.enabled && (
        <p class="muted">This plan is disabled: its schedules do not run until it is enabled.</p>
      )}
      <LoadState loaded={loaded} what="the schedules" />
      {loaded.data && kinds.map((k: ScheduleKind) => (
        <ScheduleRow
          key={k}
          planId={props.planId}
          kind={k}
          schedule={list.find((s) => s.kind === k) ?? null}
          zones={zones}
          canEdit={canEdit}
          api={schedules}
          onChanged={reload}
        />
      ))}
      {canEdit && loaded.data && (
        <PauseControls
          planId={props.planId}
          planName={props.planName}
          paused={paused !== null}
          api={schedules}
          onChanged={reload}
        />
      )}
    </section>
  );
}

function PauseControls(
  props: {
    planId: string;
    planName: string;
    paused: boolean;
    api: SchedulesApi;
    onChanged(): void;
  },
) {
  const { busy, run } = useAction();
  const pause = async (body: PausePlan, done: string) => {
    const r = await run(() => props.api.pausePlan(props.planId, body), done);
    if (r.ok) props.onChanged();
  };
  const name = props.planName;
  return (
    <div class="button-row pause-controls" role="group" aria-label="Pause the plan">
      {props.paused
        ? (
          <button
            type="button"
            class="btn btn--primary"
            disabled={busy}
            onClick={() => pause({ for: "resume" }, `${name} resumed`)}
          >
            Resume
          </button>
        )
        : <span class="muted">Pause:</span>}
      <button
        type="button"
        class="btn btn--secondary btn--small"
        disabled={busy}
        onClick={() => pause({ for: "hours", hours: 4 }, `${name} paused for 4 hours`)}
      >
        For 4 hours
      </button>
      <button
        type="button"
        class="btn btn--secondary btn--small"
        disabled={busy}
        onClick={() =>
          pause({ for: "tomorrow", timeZone: viewerZone() }, `${name} paused until tomorrow`)}
      >
        Until tomorrow
      </button>
      <button
        type="button"
        class="btn btn--secondary btn--small"
        disabled={busy}
        onClick={() => pause({ for: "indefinitely" }, `${name} paused until resumed`)}
      >
        Until resumed
      </button>
    </div>
  );
}
