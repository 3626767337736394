import { useMemo } from "preact/hooks";
import type { ReplicationStatusView } from "../../../../server/contract/replication.ts";
import { createReplicationApi } from "../../api/replication_api.ts";
import { formatAgo, formatDuration, formatTime } from "../../components/format.ts";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { PairingCodePanel } from "./PairingCodePanel.tsx";
import { DetachForm } from "./DetachForm.tsx";
import { PromoteForm } from "./PromoteForm.tsx";

const STATE_WORDS: Record<ReplicationStatusView["state"], string> = {
  ok: "In step",
  unpaired: "No standby paired",
  bootstrapping: "Copying the primary's state",
  catching_up: "Catching up",
  error: "Error",
};

/**
 * The standby appliance: this appliance's role and epoch, both fingerprints (compare them
 * crosswise on the two appliances), positions and lag; a pairing code on a primary and
 * promotion on a standby, for admins.
 */
export function StandbyCard() {
  const { api, session } = useStores();
  const rep = useMemo(() => createReplicationApi(api.client), [api]);
  const loaded = useLoad(() => rep.status());
  const s = loaded.data;
  const admin = session.can("admin");
  return (
    <section class="card" aria-labelledby="standby-title" data-testid="standby-card">
      <h2 id="standby-title">Standby appliance</h2>
      <p class="card__lead">
        A second Cairn appliance keeps a live copy of this one's state and can take over if this one
        fails.
      </p>
      <LoadState loaded={loaded} what="replication status" />
      {s && <StandbyFacts s={s} />}
      {s && admin && s.role === "primary" && s.lease.writesPaused && (
        <DetachForm
          rep={rep}
          onDetached={() => loaded.reload()}
        />
      )}
      {s && admin && s.role === "primary" && <PairingCodePanel rep={rep} paired={!!s.peer} />}
      {s && admin && s.role === "standby" && (
        <PromoteForm
          rep={rep}
          primaryUrl={s.primaryUrl}
          onPromoted={() => loaded.reload()}
        />
      )}
    </section>
  );
}

function leaseWords(s: ReplicationStatusView): string {
  const l = s.lease;
  if (s.role === "standby") {
    if (l.promoting) return "Promotion asked for: waiting for the primary's lease to end";
    return l.promotableInMs
      ? `Granted to the primary; a promotion would wait ${formatDuration(l.promotableInMs / 1000)}`
      : "No lease granted lately: a promotion completes at once";
  }
  if (l.writesPaused) return "None: writes are paused";
  return l.heldForMs === null
    ? "Not needed until the standby follows this appliance"
    : `Held for ${formatDuration(l.heldForMs / 1000)} more`;
}

function StandbyFacts({ s }: { s: ReplicationStatusView }) {
  const lag = s.lag.seconds === null ? "unknown" : formatDuration(s.lag.seconds);
  return (
    <dl class="facts facts--spaced">
      <dt>Role</dt>
      <dd data-testid="replication-role">
        {s.role === "primary" ? "Primary" : "Standby (read-only)"}, epoch {s.epoch}
      </dd>
      <dt>State</dt>
      <dd>{STATE_WORDS[s.state]}</dd>
      <dt>This appliance's fingerprint</dt>
      <dd>
        <code class="mono" data-testid="own-fingerprint">{s.fingerprint}</code>
        <br />
        <span class="field__hint">{s.phrase}</span>
      </dd>
      {s.peer && (
        <>
          <dt>{s.role === "primary" ? "Standby" : "Primary"}</dt>
          <dd>
            {s.peer.url ?? s.primaryUrl ?? "address unknown"}
            <br />
            <code class="mono" data-testid="peer-fingerprint">{s.peer.fingerprint}</code>
            <br />
            <span class="field__hint">{s.peer.phrase}</span>
          </dd>
          <dt>Positions</dt>
          <dd>
            {s.role === "primary" ? "logged" : "primary at"} {s.headPosition.toLocaleString()},{" "}
            {s.role === "primary" ? "standby confirmed" : "applied"}{" "}
            {s.appliedPosition.toLocaleString()}
          </dd>
          <dt>Lag</dt>
          <dd data-testid="replication-lag">
            {s.lag.entries.toLocaleString()} {s.lag.entries === 1 ? "change" : "changes"}, {lag}
          </dd>
          <dt>Synchronous mode</dt>
          <dd>
            {s.synchronous.enabled
              ? s.synchronous.standbyConnected
                ? "On: agent reports wait for the standby"
                : "On, but the standby is not in touch: writes are paused"
              : "Off"}
          </dd>
          <dt>Write lease</dt>
          <dd data-testid="replication-lease">{leaseWords(s)}</dd>
          <dt>Last contact</dt>
          <dd>
            {s.lastContactAt
              ? `${formatAgo(s.lastContactAt)} (${formatTime(s.lastContactAt)})`
              : "never"}
          </dd>
        </>
      )}
      {s.lastError && (
        <>
          <dt>Last error</dt>
          <dd>{s.lastError}</dd>
        </>
      )}
    </dl>
  );
}
