/** What a "Send test" did: each delivery's outcome with its reason. */
import type { DeliveryView, TestResultView } from "../../../../server/contract/notify.ts";

const DELIVERY_WORDS: Record<DeliveryView["state"], string> = {
  pending: "Waiting to retry",
  sent: "Delivered",
  failed: "Failed, will retry",
  gave_up: "Gave up",
};

export function deliveryLine(d: DeliveryView): string {
  const status = d.lastStatus !== null ? ` (${d.lastStatus})` : "";
  return `${DELIVERY_WORDS[d.state]}${status}${d.lastReason ? `: ${d.lastReason}` : ""}`;
}

export function TestResult({ result }: { result: TestResultView }) {
  if (result.deliveries.length === 0) {
    return (
      <p class="notice notice--warning" role="status">Nothing was sent: no device is set up.</p>
    );
  }
  const ok = result.deliveries.every((d) => d.state === "sent");
  return (
    <div
      class={ok ? "notice notice--success" : "notice notice--error"}
      role="status"
      data-testid="test-result"
    >
      <p>{ok ? "Test sent." : "The test did not get through."}</p>
      <ul class="plain-list">
        {result.deliveries.map((d) => <li key={d.id}>{deliveryLine(d)}</li>)}
      </ul>
    </div>
  );
}
