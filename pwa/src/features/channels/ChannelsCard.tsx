/**
 * Notification channels (admins change them; everyone signed in sees them): each with its kind,
 * where it goes, what it hears about and its last delivery; "Send test" with the answer, and the
 * delivery log.
 */
import { useState } from "preact/hooks";
import type {
  ChannelView,
  DeliveryView,
  TestResultView,
} from "../../../../server/contract/notify.ts";
import type { NotifyApi } from "../../api/notify_api.ts";
import { formatTime } from "../../components/format.ts";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { SEVERITY_LABEL } from "../alerts/alert_words.ts";
import { LoadState } from "../common/LoadState.tsx";
import { useAction } from "../common/use_action.ts";
import { deliveryLine, TestResult } from "../notifications/TestResult.tsx";
import { FIELDS, KIND_LABEL } from "./channel_form.ts";
import { ChannelEditor } from "./ChannelEditor.tsx";

/** Where a channel sends, from what may be shown: "ntfy.sh/cairn-alerts", "2 recipients". */
export function destination(c: ChannelView): string {
  const cfg = c.config as Record<string, unknown>;
  const host = (u: unknown) => {
    try {
      return new URL(String(u)).host;
    } catch {
      return String(u ?? ""); // shown as stored: the appliance checked it when it was saved
    }
  };
  switch (c.kind) {
    case "ntfy":
      return `${host(cfg.server)}/${cfg.topic}`;
    case "webhook":
      return host(cfg.url);
    case "smtp":
      return Array.isArray(cfg.to) ? cfg.to.join(", ") : "";
    case "gotify":
      return host(cfg.server);
    default:
      return c.secretsSet.webhookUrl ? "webhook set" : "webhook not set";
  }
}

export function ChannelsCard({ api }: { api: NotifyApi }) {
  const { session } = useStores();
  const loaded = useLoad(() => api.channels.list());
  const [editing, setEditing] = useState<ChannelView | "new" | null>(null);
  const canEdit = session.can("admin");
  const saved = () => {
    setEditing(null);
    void loaded.reload();
  };
  return (
    <section class="card" aria-labelledby="channels-title">
      <div class="card__head">
        <h2 id="channels-title">Channels</h2>
        {canEdit && editing === null && (
          <button
            type="button"
            class="btn btn--primary btn--small"
            onClick={() => setEditing("new")}
          >
            Add channel
          </button>
        )}
      </div>
      <p class="card__lead">
        Where alerts go besides phones: ntfy, a webhook, email, Gotify, Discord or Slack.
      </p>
      {editing !== null && (
        <ChannelEditor
          key={editing === "new" ? "new" : editing.id}
          editing={editing === "new" ? null : editing}
          api={api}
          onSaved={saved}
          onCancel={() => setEditing(null)}
        />
      )}
      <LoadState loaded={loaded} what="channels" />
      {loaded.data?.length === 0 && <p class="muted">No channels yet.</p>}
      <div class="channel-list">
        {loaded.data?.map((c) => (
          <ChannelItem
            key={c.id}
            channel={c}
            api={api}
            canEdit={canEdit}
            onEdit={() => setEditing(c)}
            onChanged={() => void loaded.reload()}
          />
        ))}
      </div>
    </section>
  );
}

function ChannelItem(
  props: {
    channel: ChannelView;
    api: NotifyApi;
    canEdit: boolean;
    onEdit(): void;
    onChanged(): void;
  },
) {
  const c = props.channel;
  const { busy, run } = useAction();
  const [result, setResult] = useState<TestResultView | null>(null);
  const [log, setLog] = useState<DeliveryView[] | null>(null);
  const test = async () => {
    const r = await run(() => props.api.channels.test(c.id));
    if (r.ok) setResult(r.value);
  };
  const showLog = async () => {
    const r = await run(() => props.api.channels.deliveries(c.id));
    if (r.ok) setLog(r.value);
  };
  const remove = async () => {
    const r = await run(() => props.api.channels.remove(c.id), `Channel ${c.name} removed`);
    if (r.ok) props.onChanged();
  };
  return (
    <article class="channel" data-channel={c.id} aria-labelledby={`ch-${c.id}`}>
      <div class="card__head">
        <h3 id={`ch-${c.id}`}>
          {c.name} <span class="badge">{KIND_LABEL[c.kind]}</span>
          {!c.enabled && <span class="badge">off</span>}
        </h3>
      </div>
      <p class="muted">
        {destination(c)} · {c.severities.map((s) => SEVERITY_LABEL[s]).join(", ")}
        {c.rules.length > 0 ? ` · ${c.rules.length} rules` : " · every rule"}
        {Object.entries(c.secretsSet).filter(([, on]) => on)
          .map(([k]) => ` · ${FIELDS[c.kind].find((f) => f.key === k)?.label ?? k} set`).join("")}
      </p>
      {c.lastDelivery && (
        <p class={c.lastDelivery.state === "sent" ? "muted" : "field__error"}>
          Last delivery {formatTime(c.lastDelivery.at)}: {c.lastDelivery.state}
          {c.lastDelivery.reason && ` (${c.lastDelivery.reason})`}
        </p>
      )}
      <div class="button-row">
        {props.canEdit && (
          <button
            type="button"
            class="btn btn--secondary btn--small"
            disabled={busy}
            onClick={test}
          >
            Send test
          </button>
        )}
        <button type="button" class="btn btn--ghost btn--small" disabled={busy} onClick={showLog}>
          Delivery log
        </button>
        {props.canEdit && (
          <>
            <button type="button" class="btn btn--ghost btn--small" onClick={props.onEdit}>
              Edit
            </button>
            <button
              type="button"
              class="btn btn--ghost btn--small"
              disabled={busy}
              onClick={remove}
            >
              Remove
            </button>
          </>
        )}
      </div>
      {result && <TestResult result={result} />}
      {log && (
        <div class="table-wrap">
          <table class="delivery-log" aria-label={`Deliveries of ${c.name}`}>
            <thead>
              <tr>
                <th>When</th>
                <th>Event</th>
                <th>Outcome</th>
                <th>Tries</th>
              </tr>
            </thead>
            <tbody>
              {log.length === 0 && (
                <tr>
                  <td colSpan={4}>Nothing sent yet.</td>
                </tr>
              )}
              {log.map((d) => (
                <tr key={d.id} data-delivery={d.id}>
                  <td>{formatTime(d.sentAt ?? d.createdAt)}</td>
                  <td>{d.event}</td>
                  <td>{deliveryLine(d)}</td>
                  <td class="num">{d.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}
