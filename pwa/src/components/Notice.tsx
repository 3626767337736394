import type { ComponentChildren } from "preact";

/** A short inline message. Errors are announced at once (role="alert"). */
export function Notice(
  props: { kind?: "info" | "error" | "success" | "warning"; children: ComponentChildren },
) {
  const kind = props.kind ?? "info";
  return (
    <div class={`notice notice--${kind}`} role={kind === "error" ? "alert" : undefined}>
      {props.children}
    </div>
  );
}
