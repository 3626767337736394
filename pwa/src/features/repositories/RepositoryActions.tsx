import { useState } from "preact/hooks";
import type { RepositoryView, RunJob } from "../../../../server/contract/backups.ts";
import type { HostView } from "../../../../server/contract/hosts.ts";
import type { BackupsApi } from "../../api/backups_api.ts";
import { Field, SelectField } from "../../components/Field.tsx";
import { formatTime } from "../../components/format.ts";
import { useStores } from "../../state/stores.ts";
import { useAction } from "../common/use_action.ts";
import { Checkbox } from "../plans/form_parts.tsx";

/**
 * Maintenance from a chosen host: test, stats, snapshots, check (optionally reading back part of
 * the data), prune or compact, the locks and breaking one. Each opens its job's page.
 */
export function RepositoryActions(
  props: { repository: RepositoryView; hosts: HostView[]; api: BackupsApi },
) {
  const { router } = useStores();
  const { busy, run } = useAction();
  const r = props.repository;
  const [hostId, setHostId] = useState(props.hosts[0]?.id ?? "");
  const [subset, setSubset] = useState("");
  const start = async (kind: RunJob["kind"], options?: RunJob["options"]) => {
    const got = await run(() =>
      props.api.jobs.run({ kind, repositoryId: r.id, hostId, ...(options ? { options } : {}) })
    );
    if (got.ok && got.value[0]) router.navigate(`/jobs/${encodeURIComponent(got.value[0].id)}`);
  };
  if (props.hosts.length === 0) {
    return (
      <section class="card" aria-labelledby="maint-title">
        <h2 id="maint-title">Maintenance</h2>
        <p class="muted">Maintenance runs on a host: approve one first.</p>
      </section>
    );
  }
  const off = busy || !hostId;
  return (
    <section class="card" aria-labelledby="maint-title">
      <h2 id="maint-title">Maintenance</h2>
      <SelectField
        label="Run from host"
        value={hostId}
        options={props.hosts.map((h) => ({ value: h.id, label: h.name }))}
        onValue={setHostId}
      />
      <div class="button-row">
        <button type="button" class="btn" disabled={off} onClick={() => start("test")}>
          Test connection
        </button>
        <button type="button" class="btn" disabled={off} onClick={() => start("stats")}>
          Refresh stats
        </button>
        <button type="button" class="btn" disabled={off} onClick={() => start("snapshots")}>
          Refresh snapshots
        </button>
        {r.engine === "borg"
          ? (
            <button type="button" class="btn" disabled={off} onClick={() => start("compact")}>
              Compact
            </button>
          )
          : (
            <button type="button" class="btn" disabled={off} onClick={() => start("prune")}>
              Prune
            </button>
          )}
      </div>
      <form
        class="form form--inline"
        onSubmit={(e) => {
          e.preventDefault();
          void start("check", subset.trim() ? { readDataSubset: subset.trim() } : undefined);
        }}
      >
        <Field
          label="Read back (optional)"
          value={subset}
          onValue={setSubset}
          placeholder="e.g. 10% or 1/5"
          hint={r.engine === "restic" ? "Share of the data to read and verify." : undefined}
          disabled={r.engine !== "restic"}
        />
        <button type="submit" class="btn" disabled={off}>Check</button>
      </form>
      <Locks
        repository={r}
        busy={off}
        onLocks={() => start("locks")}
        onBreak={(force) => start("unlock", force ? { force } : undefined)}
      />
    </section>
  );
}

function Locks(
  props: {
    repository: RepositoryView;
    busy: boolean;
    onLocks(): void;
    onBreak(force: boolean): void;
  },
) {
  const [confirming, setConfirming] = useState(false);
  const [force, setForce] = useState(false);
  const lock = props.repository.lock;
  const holder = lock.holders[0];
  const who = holder
    ? `${holder.hostname ?? "an unknown host"}${holder.pid ? ` (process ${holder.pid})` : ""}${
      holder.since ? ` since ${formatTime(holder.since)}` : ""
    }`
    : "whoever holds it";
  return (
    <div class="locks">
      <h3>Locks</h3>
      <p data-testid="lock-state">
        {lock.locked === null && "Not looked at yet."}
        {lock.locked === false && "Free: nothing holds the repository."}
        {lock.locked &&
          `Locked by ${
            lock.holders.length > 1 ? `${lock.holders.length} holders, first ` : ""
          }${who}.`}
        {lock.checkedAt && <span class="muted">(looked at {formatTime(lock.checkedAt)})</span>}
      </p>
      <div class="button-row">
        <button type="button" class="btn" disabled={props.busy} onClick={props.onLocks}>
          Look at locks
        </button>
        {!confirming && (
          <button
            type="button"
            class="btn btn--danger"
            disabled={props.busy}
            onClick={() => setConfirming(true)}
          >
            Break lock…
          </button>
        )}
      </div>
      {confirming && (
        <div class="confirm" role="group" aria-label="Break the lock">
          <p>
            Break the lock held by{" "}
            <strong>{who}</strong>? Only do this when that job is no longer running: a live backup
            would be damaged.
          </p>
          <Checkbox label="Even if the holder looks alive" checked={force} onValue={setForce} />
          <div class="button-row">
            <button
              type="button"
              class="btn btn--danger"
              disabled={props.busy}
              onClick={() => props.onBreak(force)}
            >
              Break the lock
            </button>
            <button type="button" class="btn btn--ghost" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
