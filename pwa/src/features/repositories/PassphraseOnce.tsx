import { useEffect, useRef, useState } from "preact/hooks";

/**
 * The passphrase Cairn minted, shown this once in a modal dialog: a copy button, and the dialog
 * only closes once the user says they stored it (Escape does not skip that).
 */
export function PassphraseOnce(props: { name: string; passphrase: string; onStored(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  const [stored, setStored] = useState(false);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    const keep = (e: Event) => e.preventDefault();
    d?.addEventListener("cancel", keep);
    return () => d?.removeEventListener("cancel", keep);
  }, []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.passphrase);
      setCopied("yes");
    } catch {
      setCopied("failed"); // clipboard refused (permissions, insecure page): select by hand
    }
  };
  const done = () => {
    dialog.current?.close();
    props.onStored();
  };
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="passphrase-title">
      <h2 id="passphrase-title">Passphrase of “{props.name}”</h2>
      <p>
        Cairn made this passphrase and keeps it sealed, but it is the only key to the backups:
        without it nobody can restore them, not even from a copy of the repository. Store it
        somewhere safe that does not depend on this appliance.
      </p>
      <div class="secret">
        <code aria-label="Repository passphrase">{props.passphrase}</code>
        <button type="button" class="btn btn--primary" onClick={copy}>
          {copied === "yes" ? "Copied" : "Copy"}
        </button>
      </div>
      <p class="field__hint" role="status">
        {copied === "yes" && "The passphrase is on the clipboard."}
        {copied === "failed" && "Copying was refused by the browser; select it and copy it."}
      </p>
      <div class="check">
        <input
          id="passphrase-stored"
          type="checkbox"
          checked={stored}
          onChange={(e) => setStored((e.currentTarget as HTMLInputElement).checked)}
        />
        <label for="passphrase-stored">I stored the passphrase somewhere safe</label>
      </div>
      <div class="button-row">
        <button type="button" class="btn btn--primary" disabled={!stored} onClick={done}>
          Continue
        </button>
      </div>
    </dialog>
  );
}
