import { useEffect, useRef } from "preact/hooks";
import type { IndexEntryView } from "../../api/restore_api.ts";
import { downloadFileName, downloadUrl } from "../../api/restore_api.ts";
import { formatBytes, formatTime } from "../../components/format.ts";
import { useLoad } from "../../components/use_load.ts";
import { LoadState } from "../common/LoadState.tsx";
import { useRestore } from "./use_restore.ts";

/** Small files are previewed (the host reads them on demand); anything can be downloaded. */
const PREVIEW_UP_TO = 256 * 1024;

/** A bottom sheet for one file: facts, the first lines of a text file, download with its size. */
export function PreviewSheet(props: {
  repositoryId: string;
  snapshotId: string;
  entry: IndexEntryView;
  onRestore(): void;
  onClose(): void;
}) {
  const e = props.entry;
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal?.();
  }, []);
  const q = { repositoryId: props.repositoryId, snapshotId: props.snapshotId, path: e.path };
  return (
    <dialog
      ref={ref}
      class="sheet"
      aria-labelledby="sheet-title"
      onClose={props.onClose}
      onCancel={props.onClose}
    >
      <div class="sheet__head">
        <h2 id="sheet-title" class="sheet__title">{e.name}</h2>
        <button type="button" class="btn btn--ghost btn--small" onClick={props.onClose}>
          Close
        </button>
      </div>
      <dl class="facts">
        <dt>Path</dt>
        <dd class="mono">{e.path}</dd>
        <dt>Size</dt>
        <dd>{formatBytes(e.size)}</dd>
        <dt>Modified</dt>
        <dd>{e.mtime ? formatTime(e.mtime) : "—"}</dd>
        <dt>Owner, mode</dt>
        <dd>
          {e.user ?? e.uid ?? "—"}:{e.group ?? e.gid ?? "—"}, {e.mode.toString(8).padStart(4, "0")}
        </dd>
      </dl>
      {e.type === "file" && e.size > 0 && e.size <= PREVIEW_UP_TO && <PreviewText q={q} />}
      <p class="button-row">
        <a
          class="btn btn--primary"
          href={downloadUrl({ ...q, format: "raw" })}
          download={downloadFileName(e.path, "raw")}
        >
          Download ({formatBytes(e.size)})
        </a>
        <button type="button" class="btn" onClick={props.onRestore}>Restore this file…</button>
      </p>
    </dialog>
  );
}

function PreviewText(props: { q: { repositoryId: string; snapshotId: string; path: string } }) {
  const { api } = useRestore();
  const loaded = useLoad(() => api.preview(props.q));
  const p = loaded.data;
  return (
    <>
      <LoadState loaded={loaded} what="the preview" />
      {p && p.text !== null && (
        <pre class="file-preview" tabIndex={0} aria-label="File preview">
          {p.text}{p.truncated ? "\n…" : ""}
        </pre>
      )}
      {p && p.binary && <p class="muted">A binary file: download it to open it.</p>}
    </>
  );
}
