import type { Toast } from "../state/toast_store.ts";

/**
 * The live region for short messages. It is always in the page (a live region added together
 * with its text is not announced by every screen reader); errors use an assertive region.
 */
export function Toasts(props: { toasts: Toast[]; onDismiss(id: number): void }) {
  const polite = props.toasts.filter((t) => t.kind !== "error");
  const urgent = props.toasts.filter((t) => t.kind === "error");
  const item = (t: Toast) => (
    <div key={t.id} class={`toast toast--${t.kind}`}>
      <span>{t.message}</span>
      <button
        type="button"
        class="btn btn--ghost btn--small"
        aria-label="Dismiss message"
        onClick={() => props.onDismiss(t.id)}
      >
        ✕
      </button>
    </div>
  );
  return (
    <div class="toasts">
      <div aria-live="assertive" role="alert">{urgent.map(item)}</div>
      <div aria-live="polite" role="status">{polite.map(item)}</div>
    </div>
  );
}
