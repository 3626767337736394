import { useEffect, useMemo, useState } from "preact/hooks";
import { EmptyState } from "../../components/EmptyState.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { AddHost } from "./AddHost.tsx";
import { createHostsApi } from "./hosts_api.ts";
import { HostTable } from "./HostTable.tsx";
import { PendingHost } from "./PendingHost.tsx";

const REFRESH_MS = 5_000;

/** The fleet, hosts waiting for approval first, and "Add host" for admins. */
export default function HostsScreen() {
  const { api, session } = useStores();
  const hostsApi = useMemo(() => createHostsApi(api.client), [api]);
  const loaded = useLoad(() => hostsApi.list());
  const [adding, setAdding] = useState(false);
  const isAdmin = session.can("admin");

  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") void loaded.reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  const all = loaded.data?.hosts ?? [];
  const pending = all.filter((h) => h.status === "pending");
  const rest = all.filter((h) => h.status !== "pending");
  return (
    <section>
      <PageHeader
        title="Hosts"
        lead="Machines that run the Cairn agent. New ones wait here until an admin approves them."
        actions={isAdmin && !adding && (
          <button
            type="button"
            class="btn btn--primary"
            onClick={() => setAdding(true)}
          >
            Add host
          </button>
        )}
      />
      {adding && <AddHost api={hostsApi} onClose={() => setAdding(false)} />}
      <LoadState loaded={loaded} what="hosts" />
      {pending.length > 0 && (
        <section aria-labelledby="pending-title">
          <h2 class="section-title" id="pending-title">
            Waiting for approval{" "}
            <span class="badge badge--warn" data-testid="pending-count">{pending.length}</span>
          </h2>
          {pending.map((h) => (
            <PendingHost
              key={h.id}
              host={h}
              api={hostsApi}
              canDecide={isAdmin}
              onChanged={() => void loaded.reload()}
            />
          ))}
        </section>
      )}
      {loaded.data && all.length === 0 && !adding && (
        <EmptyState
          title="No hosts yet"
          action={isAdmin
            ? (
              <button type="button" class="btn btn--primary" onClick={() => setAdding(true)}>
                Add host
              </button>
            )
            : undefined}
        >
          <p>
            Install the agent on a machine you want to back up. With an install command from "Add
            host" it joins at once; without one it asks to join and waits here for approval.
          </p>
        </EmptyState>
      )}
      {rest.length > 0 && (
        <>
          <h2 class="section-title">Fleet</h2>
          <HostTable hosts={rest} />
        </>
      )}
    </section>
  );
}
