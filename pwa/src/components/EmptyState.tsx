import type { ComponentChildren } from "preact";

/** What to do next, where there is nothing yet to show. */
export function EmptyState(
  props: { title: string; children: ComponentChildren; action?: ComponentChildren },
) {
  return (
    <section class="empty" aria-labelledby="empty-title">
      <svg class="empty__mark" viewBox="0 0 64 64" aria-hidden="true">
        <ellipse cx="32" cy="48" rx="20" ry="7" />
        <ellipse cx="31" cy="36" rx="14" ry="6" />
        <ellipse cx="33" cy="26" rx="10" ry="4.5" />
        <ellipse cx="32" cy="18" rx="5.5" ry="3" />
      </svg>
      <h2 id="empty-title">{props.title}</h2>
      <div class="empty__body">{props.children}</div>
      {props.action && <div class="empty__action">{props.action}</div>}
    </section>
  );
}
