import { useState } from "preact/hooks";

/** Copies `text`; says so (or that the browser refused) in a polite status line. */
export function CopyButton(props: { text: string; label?: string }) {
  const [state, setState] = useState<"no" | "yes" | "failed">("no");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setState("yes");
    } catch {
      setState("failed"); // clipboard refused (permissions, insecure page): select by hand
    }
  };
  return (
    <>
      <button type="button" class="btn btn--small" onClick={copy} aria-label={props.label}>
        {state === "yes" ? "Copied" : "Copy"}
      </button>
      <span class="visually-hidden" role="status">
        {state === "yes" && "Copied to the clipboard."}
        {state === "failed" && "Copying was refused by the browser; select the text and copy it."}
      </span>
    </>
  );
}
