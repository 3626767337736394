import { useMemo, useState } from "preact/hooks";
import type { RepositoryView } from "../../../../server/contract/backups.ts";
import { createBackupsApi } from "../../api/backups_api.ts";
import type { BackupsApi } from "../../api/backups_api.ts";
import { formatBytes, formatTime } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import type { ScreenProps } from "../../state/router_store.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { useAction } from "../common/use_action.ts";
import { createHostsApi } from "../hosts/hosts_api.ts";
import { EditRepository } from "./EditRepository.tsx";
import { RepositoryActions } from "./RepositoryActions.tsx";
import { appendOnlyLine, dedupLine, lockLine, sizeLine, STATE } from "./repository_words.ts";
import { SnapshotTable } from "./SnapshotTable.tsx";

/** One repository: where and what it is, its figures, maintenance, snapshots, edit, delete. */
export default function RepositoryScreen({ params }: ScreenProps) {
  // Another id on the same route is another page: start it afresh.
  return <RepositoryPage key={params.id} params={params} />;
}

function RepositoryPage({ params }: ScreenProps) {
  const { api, session } = useStores();
  const backups = useMemo(() => createBackupsApi(api.client), [api]);
  const loaded = useLoad(async () => {
    const [repository, snapshots, hosts, sshKeys] = await Promise.all([
      backups.repositories.get(params.id),
      backups.snapshots({ repositoryId: params.id }),
      createHostsApi(api.client).list().then((l) => l.hosts),
      session.can("admin") ? backups.sshKeys.list() : Promise.resolve([]),
    ]);
    return {
      repository,
      snapshots,
      hosts: hosts.filter((h) => h.enrollment === "approved"),
      sshKeys,
    };
  });
  const [editing, setEditing] = useState(false);
  const d = loaded.data;
  const r = d?.repository;
  return (
    <section>
      <PageHeader
        title={r?.name ?? "Repository"}
        lead={r && <span class={STATE[r.state].badge}>{STATE[r.state].label}</span>}
        actions={r && session.can("admin") && !editing && (
          <button
            type="button"
            class="btn"
            onClick={() => setEditing(true)}
          >
            Edit
          </button>
        )}
      />
      <LoadState loaded={loaded} what="the repository" />
      {d && r && editing && (
        <EditRepository
          repository={r}
          sshKeys={d.sshKeys}
          api={backups}
          onDone={() => {
            setEditing(false);
            void loaded.reload();
          }}
        />
      )}
      {d && r && (
        <>
          <RepositoryFacts repository={r} />
          {session.can("operator") && (
            <RepositoryActions repository={r} hosts={d.hosts} api={backups} />
          )}
          <h2 class="section-title">Snapshots</h2>
          <SnapshotTable snapshots={d.snapshots} />
          {session.can("admin") && <DeleteRepository repository={r} api={backups} />}
        </>
      )}
      <p>
        <a href="/repositories">All repositories</a>
      </p>
    </section>
  );
}

function RepositoryFacts({ repository: r }: { repository: RepositoryView }) {
  const s = r.stats;
  return (
    <div class="two-col">
      <section class="card" aria-labelledby="repo-where-title">
        <h2 id="repo-where-title">Where</h2>
        <dl class="facts">
          <dt>Engine</dt>
          <dd>{r.engine}</dd>
          <dt>Location</dt>
          <dd>
            <code>{r.display}</code>
          </dd>
          <dt>Append-only</dt>
          <dd>{appendOnlyLine(r)}</dd>
          <dt>Secrets</dt>
          <dd>
            passphrase set{r.credentialsSet && ", credentials set"}
            {r.sshKeyId && ", SSH key"}
            {r.knownHostsSet && ", host key pinned"}
          </dd>
          <dt>Plans</dt>
          <dd>
            {r.plans.length
              ? r.plans.map((p, i) => (
                <span key={p.id}>
                  {i > 0 && ", "}
                  <a href={`/plans/${encodeURIComponent(p.id)}`}>{p.name}</a>
                </span>
              ))
              : "none"}
          </dd>
          {r.activeJobId && (
            <>
              <dt>Running now</dt>
              <dd>
                <a href={`/jobs/${encodeURIComponent(r.activeJobId)}`}>Open the job</a>
              </dd>
            </>
          )}
        </dl>
      </section>
      <section class="card" aria-labelledby="repo-figures-title">
        <h2 id="repo-figures-title">Figures</h2>
        <dl class="facts">
          <dt>Size</dt>
          <dd>{sizeLine(r)}</dd>
          <dt>Before deduplication</dt>
          <dd>{s.rawSizeBytes !== null ? formatBytes(s.rawSizeBytes) : "—"}</dd>
          <dt>Deduplication</dt>
          <dd>{dedupLine(r)}</dd>
          <dt>Snapshots</dt>
          <dd>{s.snapshotCount ?? "—"}</dd>
          <dt>Figures from</dt>
          <dd>{s.updatedAt ? formatTime(s.updatedAt) : "never refreshed"}</dd>
          <dt>Last check</dt>
          <dd>{r.lastCheck ? `${formatTime(r.lastCheck.at)}: ${r.lastCheck.status}` : "never"}</dd>
          <dt>Lock</dt>
          <dd>{lockLine(r)}</dd>
        </dl>
      </section>
    </div>
  );
}

function DeleteRepository(props: { repository: RepositoryView; api: BackupsApi }) {
  const { router } = useStores();
  const { busy, run } = useAction();
  const [confirming, setConfirming] = useState(false);
  const r = props.repository;
  const remove = async () => {
    const got = await run(
      () => props.api.repositories.remove(r.id),
      `${r.name} removed from Cairn`,
    );
    if (got.ok) router.navigate("/repositories");
  };
  return (
    <section class="card danger-zone" aria-labelledby="repo-delete-title">
      <h2 id="repo-delete-title">Remove from Cairn</h2>
      <p>
        Cairn forgets this repository, its passphrase and credentials. The data in the repository is
        not touched: the backups stay where they are and can be imported again with the passphrase.
      </p>
      {!confirming
        ? (
          <button type="button" class="btn btn--danger" onClick={() => setConfirming(true)}>
            Remove…
          </button>
        )
        : (
          <div class="button-row">
            <button type="button" class="btn btn--danger" disabled={busy} onClick={remove}>
              Remove {r.name}
            </button>
            <button type="button" class="btn btn--ghost" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </div>
        )}
    </section>
  );
}
