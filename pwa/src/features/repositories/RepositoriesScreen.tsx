import { useMemo, useState } from "preact/hooks";
import type { RepositoryView } from "../../../../server/contract/backups.ts";
import { createBackupsApi } from "../../api/backups_api.ts";
import { EmptyState } from "../../components/EmptyState.tsx";
import { formatTime } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { NewRepository } from "./NewRepository.tsx";
import { dedupLine, lockLine, sizeLine, STATE } from "./repository_words.ts";

/** Where backups go: every repository with its state, size, snapshots, last check and lock. */
export default function RepositoriesScreen() {
  const { api, session } = useStores();
  const backups = useMemo(() => createBackupsApi(api.client), [api]);
  const loaded = useLoad(() => backups.repositories.list());
  const [adding, setAdding] = useState(false);
  const isAdmin = session.can("admin");
  const addButton = isAdmin && !adding && (
    <button
      type="button"
      class="btn btn--primary"
      onClick={() => setAdding(true)}
    >
      New repository
    </button>
  );
  return (
    <section>
      <PageHeader
        title="Repositories"
        lead="The restic and borg repositories the fleet backs up into."
        actions={addButton}
      />
      {adding && (
        <NewRepository
          onClose={() => setAdding(false)}
          onCreated={() => void loaded.reload()}
        />
      )}
      <LoadState loaded={loaded} what="repositories" />
      {loaded.data && loaded.data.length === 0 && !adding && (
        <EmptyState title="No repositories yet" action={addButton || undefined}>
          <p>
            A repository is where backups go: a folder on a host, a server over SFTP or SSH, a REST
            server, an S3 bucket or an rclone remote.
          </p>
        </EmptyState>
      )}
      {loaded.data && loaded.data.length > 0 && <RepositoryTable repositories={loaded.data} />}
    </section>
  );
}

function RepositoryTable(props: { repositories: RepositoryView[] }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Repositories</caption>
        <thead>
          <tr>
            <th scope="col">Repository</th>
            <th scope="col">Engine</th>
            <th scope="col">Location</th>
            <th scope="col">State</th>
            <th scope="col">Size</th>
            <th scope="col">Dedup</th>
            <th scope="col">Snapshots</th>
            <th scope="col">Last check</th>
            <th scope="col">Lock</th>
          </tr>
        </thead>
        <tbody>
          {props.repositories.map((r) => (
            <tr key={r.id} data-repository={r.id}>
              <th scope="row">
                <a href={`/repositories/${encodeURIComponent(r.id)}`}>{r.name}</a>
              </th>
              <td>{r.engine}</td>
              <td class="details">
                <code>{r.display}</code>
              </td>
              <td>
                <span class={STATE[r.state].badge}>{STATE[r.state].label}</span>
              </td>
              <td>{sizeLine(r)}</td>
              <td>{dedupLine(r)}</td>
              <td>{r.stats.snapshotCount ?? "—"}</td>
              <td>
                {r.lastCheck
                  ? `${formatTime(r.lastCheck.at)} (${r.lastCheck.status})`
                  : <span class="muted">never</span>}
              </td>
              <td>{lockLine(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
