import type { ComponentChildren } from "preact";

/** One figure with its label; `tone` colours it only when it needs attention. */
export function StatTile(
  props: {
    label: string;
    value: ComponentChildren;
    detail?: ComponentChildren;
    tone?: "neutral" | "good" | "bad" | "warn";
  },
) {
  return (
    <div class={`stat stat--${props.tone ?? "neutral"}`}>
      <dt class="stat__label">{props.label}</dt>
      <dd class="stat__value">{props.value}</dd>
      {props.detail && <dd class="stat__detail">{props.detail}</dd>}
    </div>
  );
}
