import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";

let focusRequested = false;

/** Moves focus to the page's title now, or as soon as the next PageHeader mounts. */
export function requestTitleFocus() {
  const h1 = document.getElementById("page-title");
  if (h1) {
    focusRequested = false;
    h1.focus();
  } else {
    focusRequested = true;
  }
}

/** The page's one h1 (focused after in-app navigation) with an optional line and actions. */
export function PageHeader(
  props: { title: string; lead?: ComponentChildren; actions?: ComponentChildren },
) {
  useEffect(() => {
    if (focusRequested) requestTitleFocus();
  }, []);
  return (
    <div class="page-header">
      <div>
        <h1 id="page-title" tabIndex={-1}>{props.title}</h1>
        {props.lead && <p class="page-header__lead">{props.lead}</p>}
      </div>
      {props.actions && <div class="page-header__actions">{props.actions}</div>}
    </div>
  );
}
