import { useState } from "preact/hooks";
import type { SearchMode, SearchView } from "../../api/restore_api.ts";
import { downloadFileName, downloadUrl } from "../../api/restore_api.ts";
import { formatBytes, formatTime } from "../../components/format.ts";
import { Notice } from "../../components/Notice.tsx";
import { useStores } from "../../state/stores.ts";
import { errorMessage } from "../common/use_action.ts";
import { parentPath, shortSnapshot, snapshotHref } from "./restore_words.ts";
import { useRestore } from "./use_restore.ts";

const MODES: Array<{ mode: SearchMode; label: string; hint: string }> = [
  { mode: "name", label: "Name", hint: "nginx.conf" },
  { mode: "glob", label: "Glob", hint: "/etc/**/*.conf" },
  { mode: "path", label: "Path", hint: "/etc/nginx/nginx.conf" },
];

/** One box: every version of matching files across the host's snapshots (admins: the fleet). */
export function SearchPanel(props: { hostId: string | null }) {
  const { api, store } = useRestore();
  const { router, session } = useStores();
  const [q, setQ] = useState("");
  const [mode, setMode] = useState<SearchMode>("name");
  const [result, setResult] = useState<SearchView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const find = async (e: Event) => {
    e.preventDefault();
    if (!q.trim()) return;
    setBusy(true);
    try {
      setResult(await api.search({ q: q.trim(), mode, hostId: props.hostId ?? undefined }));
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const restore = (v: { hostId: string; repositoryId: string; snapshotId: string }, p: string) => {
    store.setSelection(v.repositoryId, shortSnapshot(v.snapshotId), [p]);
    router.navigate(`${snapshotHref(v)}/restore`);
  };
  const placeholder = MODES.find((m) => m.mode === mode)?.hint;
  return (
    <section class="card search-panel" aria-labelledby="search-title">
      <h2 id="search-title">Find a file</h2>
      <form class="search-form" role="search" onSubmit={find}>
        <label class="field">
          <span class="visually-hidden">File name, glob or path</span>
          <input
            type="search"
            value={q}
            placeholder={placeholder}
            onInput={(e) => setQ(e.currentTarget.value)}
            spellcheck={false}
            autocapitalize="off"
          />
        </label>
        <div class="segmented" role="radiogroup" aria-label="Match by">
          {MODES.map((m) => (
            <label key={m.mode} class={`segmented__item${mode === m.mode ? " is-on" : ""}`}>
              <input
                type="radio"
                name="mode"
                checked={mode === m.mode}
                onChange={() =>
                  setMode(m.mode)}
              />
              <span>{m.label}</span>
            </label>
          ))}
        </div>
        <button type="submit" class="btn btn--primary" disabled={busy}>Search</button>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      {result && result.matches.length === 0 && <p class="muted">Nothing matches.</p>}
      {result && result.matches.map((m) => (
        <article key={m.path} class="search-match">
          <h3 class="mono search-match__path">{m.path}</h3>
          <ul class="plain-list">
            {m.versions.map((v) => (
              <li key={`${v.repositoryId}/${v.snapshotId}`} class="search-version">
                <span>
                  <time dateTime={v.snapshotTime}>{formatTime(v.snapshotTime)}</time>
                  {" · "}
                  {formatBytes(v.size)}
                  {v.mtime && <span class="muted">{` · modified ${formatTime(v.mtime)}`}</span>}
                  <span class="muted">{` · ${shortSnapshot(v.snapshotId)}`}</span>
                </span>
                <span class="search-version__actions">
                  <a
                    class="btn btn--small"
                    href={snapshotHref(v, { path: parentPath(m.path) })}
                  >
                    Browse here
                  </a>
                  {session.can("operator") && (
                    <button
                      type="button"
                      class="btn btn--small"
                      onClick={() => restore(v, m.path)}
                    >
                      Restore
                    </button>
                  )}
                  {v.type === "file" && (
                    <a
                      class="btn btn--small"
                      href={downloadUrl({
                        repositoryId: v.repositoryId,
                        snapshotId: shortSnapshot(v.snapshotId),
                        path: m.path,
                        format: "raw",
                      })}
                      download={downloadFileName(m.path, "raw")}
                    >
                      Download
                    </a>
                  )}
                </span>
              </li>
            ))}
          </ul>
        </article>
      ))}
      {result?.truncated && <p class="muted">More match: narrow the search.</p>}
    </section>
  );
}
