import { useState } from "preact/hooks";
import type { SshKeyView } from "../../../../server/contract/backups.ts";
import type { BackupsApi } from "../../api/backups_api.ts";
import { useAction } from "../common/use_action.ts";
import { Segmented, TextField } from "../plans/form_parts.tsx";

/** Generate an Ed25519 key on the appliance, or import a private key (kept sealed). */
export function NewSshKey(
  props: { api: BackupsApi; onCreated(key: SshKeyView): void; onClose(): void },
) {
  const { busy, run } = useAction();
  const [mode, setMode] = useState<"generate" | "import">("generate");
  const [name, setName] = useState("");
  const [privateKey, setPrivateKey] = useState("");
  const [passphrase, setPassphrase] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = mode === "generate"
      ? { mode, name: name.trim() }
      : { mode, name: name.trim(), privateKey, ...(passphrase ? { passphrase } : {}) };
    const r = await run(() => props.api.sshKeys.create(body), `SSH key ${name.trim()} added`);
    if (r.ok) props.onCreated(r.value);
  };
  return (
    <section class="card" aria-labelledby="new-key-title">
      <h2 id="new-key-title">New SSH key</h2>
      <form class="form" onSubmit={submit}>
        <Segmented<"generate" | "import">
          legend="Key"
          name="key-mode"
          value={mode}
          options={[{ value: "generate", label: "Generate" }, { value: "import", label: "Import" }]}
          onValue={setMode}
        />
        <TextField label="Name" value={name} onValue={setName} required />
        {mode === "import" && (
          <>
            <TextField
              label="Private key"
              rows={6}
              mono
              value={privateKey}
              onValue={setPrivateKey}
              required
              hint="OpenSSH, PEM or PKCS#8. Cairn keeps it sealed and never shows it again."
            />
            <TextField
              label="Key passphrase (if any)"
              type="password"
              autoComplete="off"
              value={passphrase}
              onValue={setPassphrase}
            />
          </>
        )}
        <div class="button-row">
          <button type="submit" class="btn btn--primary" disabled={busy}>
            {mode === "generate" ? "Generate key" : "Import key"}
          </button>
          <button type="button" class="btn btn--ghost" onClick={props.onClose}>Cancel</button>
        </div>
      </form>
    </section>
  );
}
