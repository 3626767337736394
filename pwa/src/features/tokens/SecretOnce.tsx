import { useEffect, useRef, useState } from "preact/hooks";
import { Notice } from "../../components/Notice.tsx";

/** The new token's secret, shown this once, with a copy button. */
export function SecretOnce(props: { name: string; secret: string; onDone(): void }) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied("yes");
    } catch {
      setCopied("failed"); // clipboard refused (permissions, insecure page): select by hand
    }
  };

  return (
    <Notice kind="success">
      <h2 ref={heading} tabIndex={-1}>Token “{props.name}” created</h2>
      <p>
        Copy the secret now: Cairn stores only a hash of it and cannot show it again. Send it as
        {" "}
        <code>Authorization: Bearer …</code>.
      </p>
      <div class="secret">
        <code aria-label="Token secret">{props.secret}</code>
        <button type="button" class="btn btn--primary" onClick={copy}>
          {copied === "yes" ? "Copied" : "Copy"}
        </button>
        <button type="button" class="btn btn--ghost" onClick={props.onDone}>Done</button>
      </div>
      <p class="field__hint" role="status">
        {copied === "yes" && "The secret is on the clipboard."}
        {copied === "failed" &&
          "Copying was refused by the browser; select the secret and copy it."}
      </p>
    </Notice>
  );
}
