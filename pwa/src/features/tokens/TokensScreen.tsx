import { useState } from "preact/hooks";
import type { TokenView } from "../../../../server/contract/api.ts";
import { formatTime } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { useAction } from "../common/use_action.ts";
import { NewTokenForm } from "./NewTokenForm.tsx";
import { SecretOnce } from "./SecretOnce.tsx";

export default function TokensScreen() {
  const { api } = useStores();
  const loaded = useLoad(async () => (await api.tokens.list()).tokens);
  const [fresh, setFresh] = useState<{ name: string; secret: string } | null>(null);

  return (
    <section>
      <PageHeader
        title="API tokens"
        lead="Tokens let scripts and monitoring read or change Cairn without a password. Each has a role, like a user."
      />
      {fresh ? <SecretOnce {...fresh} onDone={() => setFresh(null)} /> : (
        <NewTokenForm
          onCreated={(name, secret) => {
            setFresh({ name, secret });
            void loaded.reload();
          }}
        />
      )}
      <LoadState loaded={loaded} what="tokens" />
      {loaded.data && loaded.data.length === 0 && <p class="muted">No tokens yet.</p>}
      {loaded.data && loaded.data.length > 0 && (
        <TokenTable
          tokens={loaded.data}
          onRevoked={() => void loaded.reload()}
        />
      )}
    </section>
  );
}

function TokenTable(props: { tokens: TokenView[]; onRevoked(): void }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">API tokens</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Starts with</th>
            <th scope="col">Role</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.tokens.map((t) => <TokenRow key={t.id} token={t} onRevoked={props.onRevoked} />)}
        </tbody>
      </table>
    </div>
  );
}

function TokenRow(props: { token: TokenView; onRevoked(): void }) {
  const { api } = useStores();
  const { busy, run } = useAction();
  const [confirming, setConfirming] = useState(false);
  const t = props.token;
  const revoke = async () => {
    const r = await run(() => api.tokens.revoke(t.id), `Token ${t.name} revoked`);
    if (r.ok) props.onRevoked();
  };
  return (
    <tr>
      <th scope="row">{t.name}</th>
      <td>
        <code>{t.prefix}…</code>
      </td>
      <td>
        <span class="badge">{t.role}</span>
      </td>
      <td>{formatTime(t.createdAt)}</td>
      <td>{t.lastUsedAt ? formatTime(t.lastUsedAt) : <span class="muted">never</span>}</td>
      <td class="actions">
        {t.revokedAt
          ? <span class="badge badge--bad">Revoked {formatTime(t.revokedAt)}</span>
          : confirming
          ? (
            <>
              <button
                type="button"
                class="btn btn--small btn--danger"
                disabled={busy}
                onClick={revoke}
              >
                Revoke {t.name}
              </button>
              <button
                type="button"
                class="btn btn--small btn--ghost"
                onClick={() => setConfirming(false)}
              >
                Keep
              </button>
            </>
          )
          : (
            <button type="button" class="btn btn--small" onClick={() => setConfirming(true)}>
              Revoke…
            </button>
          )}
      </td>
    </tr>
  );
}
