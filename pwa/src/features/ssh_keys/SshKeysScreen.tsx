import { useMemo, useState } from "preact/hooks";
import type { RepositoryView, SshKeyView } from "../../../../server/contract/backups.ts";
import { createBackupsApi } from "../../api/backups_api.ts";
import type { BackupsApi } from "../../api/backups_api.ts";
import { EmptyState } from "../../components/EmptyState.tsx";
import { formatTime } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { useAction } from "../common/use_action.ts";
import { AuthorizedKeys } from "./AuthorizedKeys.tsx";
import { CopyButton } from "./CopyButton.tsx";
import { NewSshKey } from "./NewSshKey.tsx";

/** The keys agents use to reach SFTP and SSH repositories, and the lines to authorise them. */
export default function SshKeysScreen() {
  const { api } = useStores();
  const backups = useMemo(() => createBackupsApi(api.client), [api]);
  const loaded = useLoad(async () => {
    const [keys, repositories] = await Promise.all([
      backups.sshKeys.list(),
      backups.repositories.list(),
    ]);
    return { keys, repositories };
  });
  const [adding, setAdding] = useState(false);
  const add = !adding && (
    <button
      type="button"
      class="btn btn--primary"
      onClick={() => setAdding(true)}
    >
      New SSH key
    </button>
  );
  return (
    <section>
      <PageHeader
        title="SSH keys"
        lead="Keys the agents use to reach repositories over SFTP or SSH. Private keys stay sealed on the appliance."
        actions={add}
      />
      {adding && (
        <NewSshKey
          api={backups}
          onClose={() => setAdding(false)}
          onCreated={() => {
            setAdding(false);
            void loaded.reload();
          }}
        />
      )}
      <LoadState loaded={loaded} what="SSH keys" />
      {loaded.data && loaded.data.keys.length === 0 && !adding && (
        <EmptyState title="No SSH keys yet" action={add || undefined}>
          <p>Generate a key here, then put its line into the backup server's authorized_keys.</p>
        </EmptyState>
      )}
      {loaded.data?.keys.map((k) => (
        <SshKeyCard
          key={k.id}
          sshKey={k}
          repositories={loaded.data!.repositories}
          api={backups}
          onRemoved={() => void loaded.reload()}
        />
      ))}
    </section>
  );
}

function SshKeyCard(
  props: { sshKey: SshKeyView; repositories: RepositoryView[]; api: BackupsApi; onRemoved(): void },
) {
  const { busy, run } = useAction();
  const [confirming, setConfirming] = useState(false);
  const k = props.sshKey;
  const remove = async () => {
    const r = await run(() => props.api.sshKeys.remove(k.id), `SSH key ${k.name} deleted`);
    if (r.ok) props.onRemoved();
  };
  return (
    <section class="card" aria-labelledby={`key-${k.id}`} data-key={k.id}>
      <h2 id={`key-${k.id}`}>
        {k.name} <span class="badge">{k.origin}</span>
      </h2>
      <dl class="facts">
        <dt>Algorithm</dt>
        <dd>{k.algorithm}{k.hasPassphrase && " (with passphrase)"}</dd>
        <dt>Fingerprint</dt>
        <dd>
          <code data-testid="key-fingerprint">{k.fingerprint}</code>
        </dd>
        <dt>Used by</dt>
        <dd>{k.usedBy.map((r) => r.name).join(", ") || "no repository yet"}</dd>
        <dt>Added</dt>
        <dd>{formatTime(k.createdAt)}</dd>
      </dl>
      <h3 class="subhead">Public key</h3>
      <div class="secret">
        <code aria-label={`Public key of ${k.name}`}>{k.publicKey}</code>
        <CopyButton text={k.publicKey} label="Copy the public key" />
      </div>
      <h3 class="subhead">For the server's authorized_keys</h3>
      <AuthorizedKeys sshKey={k} repositories={props.repositories} api={props.api} />
      <div class="button-row">
        {!confirming
          ? (
            <button
              type="button"
              class="btn btn--danger btn--small"
              onClick={() => setConfirming(true)}
            >
              Delete…
            </button>
          )
          : (
            <>
              <button
                type="button"
                class="btn btn--danger btn--small"
                disabled={busy}
                onClick={remove}
              >
                Delete {k.name}
              </button>
              <button
                type="button"
                class="btn btn--ghost btn--small"
                onClick={() => setConfirming(false)}
              >
                Keep
              </button>
            </>
          )}
      </div>
    </section>
  );
}
