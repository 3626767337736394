/** One alert: severity, what happened, where (host, plan), when, its cause, and Acknowledge. */
import type { AlertView } from "../../../../server/contract/alerts.ts";
import { formatAgo, formatTime } from "../../components/format.ts";
import {
  causeLabel,
  RULE_LABEL,
  safeLink,
  SEVERITY_BADGE,
  SEVERITY_LABEL,
  STATE_LABEL,
} from "./alert_words.ts";

const enc = encodeURIComponent;

export function AlertCard(
  props: { alert: AlertView; canAcknowledge: boolean; busy?: boolean; onAcknowledge?(): void },
) {
  const a = props.alert;
  const link = safeLink(a.link);
  return (
    <article
      class={`alert-card alert-card--${a.severity} alert-card--${a.state}`}
      data-alert={a.id}
      aria-labelledby={`alert-${a.id}`}
    >
      <div class="alert-card__head">
        <span class={SEVERITY_BADGE[a.severity]}>{SEVERITY_LABEL[a.severity]}</span>
        <h3 id={`alert-${a.id}`}>{a.title}</h3>
        {a.state !== "open" && <span class="badge">{STATE_LABEL[a.state]}</span>}
      </div>
      <p class="alert-card__message">{a.message}</p>
      <p class="alert-card__where muted">
        {RULE_LABEL[a.rule] ?? a.rule}
        {a.hostId && (
          <>
            {" · "}
            <a href={`/hosts/${enc(a.hostId)}`}>{a.hostName ?? a.hostId}</a>
          </>
        )}
        {a.planId && (
          <>
            {" · "}
            <a href={`/plans/${enc(a.planId)}`}>{a.planName ?? a.planId}</a>
          </>
        )}
      </p>
      <p class="alert-card__times muted">
        Opened{" "}
        <time dateTime={a.openedAt} title={formatTime(a.openedAt)}>{formatAgo(a.openedAt)}</time>
        {a.count > 1 && `, seen ${a.count} times (last ${formatAgo(a.lastSeenAt)})`}
        {a.acknowledgedAt &&
          `; acknowledged ${formatAgo(a.acknowledgedAt)}${
            a.acknowledgedBy ? ` by ${a.acknowledgedBy}` : ""
          }`}
        {a.resolvedAt && `; resolved ${formatTime(a.resolvedAt)}`}
      </p>
      <div class="button-row">
        {link && <a class="btn btn--secondary btn--small" href={link}>{causeLabel(a)}</a>}
        {props.canAcknowledge && a.state === "open" && (
          <button
            type="button"
            class="btn btn--primary btn--small"
            disabled={props.busy}
            onClick={props.onAcknowledge}
          >
            Acknowledge
          </button>
        )}
      </div>
    </article>
  );
}
