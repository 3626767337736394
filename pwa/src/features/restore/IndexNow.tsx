import { useEffect, useState } from "preact/hooks";
import { Notice } from "../../components/Notice.tsx";
import { useStores } from "../../state/stores.ts";
import { useAction } from "../common/use_action.ts";
import { useRestore } from "./use_restore.ts";

/**
 * A snapshot not in the file index yet: index it now (an index job on its host), then list the
 * folder again as soon as the job is over.
 */
export function IndexNow(props: {
  hostId: string;
  repositoryId: string;
  snapshotId: string;
  onIndexed(): void;
}) {
  const { api } = useRestore();
  const stores = useStores();
  const { busy, run } = useAction();
  const [jobId, setJobId] = useState<string | null>(null);
  useEffect(() => {
    if (!jobId) return;
    const timer = setInterval(async () => {
      try {
        const job = await stores.api.client.get<{ status: string }>(
          `/api/jobs/${encodeURIComponent(jobId)}`,
        );
        if (["ok", "warning", "failed", "cancelled"].includes(job.status)) {
          clearInterval(timer);
          props.onIndexed();
        }
      } catch {
        // offline for a moment: the next tick asks again
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [jobId]);
  const start = async () => {
    const r = await run(() =>
      api.indexNow({
        repositoryId: props.repositoryId,
        snapshotId: props.snapshotId,
        hostId: props.hostId,
      })
    );
    if (r.ok && r.value[0]) setJobId(r.value[0].id);
  };
  return (
    <Notice kind="info">
      <p>
        This snapshot's files are not indexed yet. Indexing lists them once on the host, then every
        folder opens at once.
      </p>
      {jobId
        ? (
          <p aria-live="polite">
            Indexing… <a href={`/jobs/${encodeURIComponent(jobId)}`}>follow the job</a>
          </p>
        )
        : stores.session.can("operator") && (
          <button type="button" class="btn btn--primary" disabled={busy} onClick={start}>
            Index now
          </button>
        )}
    </Notice>
  );
}
