/**
 * One snapshot a folder at a time, from the appliance's file index. Folders listed before come
 * from memory at once (the restore store), so walking back up never waits; picked files and
 * folders stay picked across folders and feed the restore wizard.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../../api/client.ts";
import type {
  DirectoryPageView,
  IndexEntryView,
  SortKey,
  SortOrder,
} from "../../api/restore_api.ts";
import { downloadFileName, downloadUrl } from "../../api/restore_api.ts";
import { formatBytes, formatTime } from "../../components/format.ts";
import { Notice } from "../../components/Notice.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import type { ScreenProps } from "../../state/router_store.ts";
import { useStores } from "../../state/stores.ts";
import { errorMessage } from "../common/use_action.ts";
import { DirectoryTable, itemWords } from "./DirectoryTable.tsx";
import { IndexNow } from "./IndexNow.tsx";
import { PreviewSheet } from "./PreviewSheet.tsx";
import { RestoreHistory } from "./RestoreHistory.tsx";
import { joinPath, selectionWords, shortSnapshot, snapshotHref } from "./restore_words.ts";
import { useRestore } from "./use_restore.ts";

const PAGE = 200;

export default function SnapshotBrowserScreen({ params }: ScreenProps) {
  const { router, session } = useStores();
  const { store } = useRestore();
  const s = {
    hostId: params.id,
    repositoryId: params.repo,
    snapshotId: shortSnapshot(params.snap),
  };
  const search = new URLSearchParams(router.search.value);
  const path = search.get("path") || "/";
  const sort = (search.get("sort") ?? "name") as SortKey;
  const order = (search.get("order") ?? "asc") as SortOrder;
  const listing = useListing({
    repositoryId: s.repositoryId,
    snapshotId: s.snapshotId,
    path,
    sort,
    order,
  });
  const [open, setOpen] = useState<IndexEntryView | null>(null);
  const picked = store.selection(s.repositoryId, s.snapshotId);
  const restoreHref = `${snapshotHref(s)}/restore`;
  const restoreOne = (p: string) => {
    store.setSelection(s.repositoryId, s.snapshotId, [p]);
    router.navigate(restoreHref);
  };
  const page = listing.pages[0];
  return (
    <section class="browser">
      <PageHeader
        title={`Snapshot ${shortSnapshot(s.snapshotId)}`}
        lead={page && <>taken {formatTime(page.snapshotTime)}</>}
        actions={<a class="btn" href={`${snapshotHref(s)}/diff`}>Compare…</a>}
      />
      {page && <Breadcrumbs page={page} s={s} sort={sort} order={order} />}
      {listing.notIndexed && <IndexNow {...s} onIndexed={listing.retry} />}
      {listing.error && (
        <Notice kind="error">
          <p>Could not list this folder: {listing.error}</p>
          <button type="button" class="btn btn--small" onClick={listing.retry}>Try again</button>
        </Notice>
      )}
      {!page && !listing.error && !listing.notIndexed && (
        <p class="loading" aria-busy="true">Listing {path}…</p>
      )}
      {page && (
        <>
          <p class="muted dir-summary">
            {itemWords(page.itemCount)}, {formatBytes(page.totalSize)}
          </p>
          {page.itemCount === 0 && <p class="muted">This folder is empty.</p>}
          <DirectoryTable
            entries={listing.pages.flatMap((p) => p.entries)}
            sort={sort}
            order={order}
            hrefFor={(e) => snapshotHref(s, { path: e.path, sort, order })}
            sortHref={(k) =>
              snapshotHref(s, {
                path,
                sort: k,
                order: k === sort && order === "asc" ? "desc" : "asc",
              })}
            picked={picked}
            onPick={(p) => store.toggle(s.repositoryId, s.snapshotId, p)}
            onOpenFile={setOpen}
          />
          {listing.more && (
            <p class="load-more">
              <button type="button" class="btn" onClick={listing.loadMore}>Show more</button>
            </p>
          )}
          <FolderDownloads page={page} />
        </>
      )}
      {session.can("operator") && (
        <div class="pick-bar" role="region" aria-label="Picked for restore">
          <span>{picked.length ? `Picked: ${selectionWords(picked)}` : "Nothing picked"}</span>
          {picked.length > 0 && (
            <button
              type="button"
              class="btn btn--ghost btn--small"
              onClick={() => store.setSelection(s.repositoryId, s.snapshotId, [])}
            >
              Clear
            </button>
          )}
          <a class="btn btn--primary" href={restoreHref}>
            {picked.length ? `Restore ${picked.length} picked…` : "Restore…"}
          </a>
        </div>
      )}
      <h2 class="section-title">Restores of this snapshot</h2>
      <RestoreHistory repositoryId={s.repositoryId} snapshotId={s.snapshotId} />
      {open && (
        <PreviewSheet
          repositoryId={s.repositoryId}
          snapshotId={s.snapshotId}
          entry={open}
          onClose={() => setOpen(null)}
          onRestore={() => restoreOne(open.path)}
        />
      )}
    </section>
  );
}

function Breadcrumbs(props: {
  page: DirectoryPageView;
  s: { hostId: string; repositoryId: string; snapshotId: string };
  sort: string;
  order: string;
}) {
  const crumbs = props.page.breadcrumbs.length
    ? props.page.breadcrumbs
    : [{ name: "/", path: "/" }];
  return (
    <nav class="crumbs" aria-label="Folder">
      <ol>
        {crumbs.map((c, i) => (
          <li key={c.path}>
            {i === crumbs.length - 1 ? <span aria-current="page">{c.name || "/"}</span> : (
              <a
                href={snapshotHref(props.s, {
                  path: c.path,
                  sort: props.sort,
                  order: props.order,
                })}
              >
                {c.name || "/"}
              </a>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

function FolderDownloads({ page }: { page: DirectoryPageView }) {
  const q = {
    repositoryId: page.repositoryId,
    snapshotId: shortSnapshot(page.snapshotId),
    path: page.path,
  };
  return (
    <p class="button-row folder-downloads">
      <span class="muted">This folder ({formatBytes(page.totalSize)}):</span>
      {(["zip", "tar"] as const).map((format) => (
        <a
          key={format}
          class="btn btn--small"
          href={downloadUrl({ ...q, format })}
          download={downloadFileName(page.path, format)}
        >
          Download .{format}
        </a>
      ))}
    </p>
  );
}

interface ListingState {
  pages: DirectoryPageView[];
  error: string | null;
  notIndexed: boolean;
  more: boolean;
  retry(): void;
  loadMore(): void;
}

/** The folder's pages: from memory when listed before, else from the appliance. */
function useListing(
  q: { repositoryId: string; snapshotId: string; path: string; sort: SortKey; order: SortOrder },
): ListingState {
  const { store } = useRestore();
  const key = `${q.repositoryId}|${q.snapshotId}|${q.path}|${q.sort}|${q.order}`;
  const first = () => store.cached({ ...q, offset: 0, limit: PAGE });
  const [state, setState] = useState(() => ({ key, pages: [first()].filter(isPage) }));
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const pages = state.key === key ? state.pages : [first()].filter(isPage);
  useEffect(() => {
    let live = true;
    setError(null);
    if (state.key !== key) setState({ key, pages });
    if (pages.length > 0) {
      prefetchFolders(store, q, pages[0]);
      return;
    }
    store.list({ ...q, offset: 0, limit: PAGE }).then(
      (p) => {
        if (!live) return;
        setState({ key, pages: [p] });
        prefetchFolders(store, q, p);
      },
      (err) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [key, attempt]);
  const last = pages[pages.length - 1];
  const shown = pages.reduce((n, p) => n + p.entries.length, 0);
  return {
    pages,
    error: error && !isNotIndexed(error) ? errorMessage(error) : null,
    notIndexed: isNotIndexed(error),
    more: !!last && shown < last.itemCount,
    retry: () => setAttempt((a) => a + 1),
    loadMore: () => {
      store.list({ ...q, offset: shown, limit: PAGE }).then(
        (p) => setState((st) => (st.key === key ? { key, pages: [...st.pages, p] } : st)),
        setError,
      );
    },
  };
}

function isPage(p: DirectoryPageView | null): p is DirectoryPageView {
  return p !== null;
}

function isNotIndexed(err: unknown): boolean {
  return err instanceof ApiError && err.code === "not_indexed";
}

/** The first few subfolders, listed quietly so opening one is instant. */
function prefetchFolders(
  store: ReturnType<typeof useRestore>["store"],
  q: { repositoryId: string; snapshotId: string; sort: SortKey; order: SortOrder },
  page: DirectoryPageView,
) {
  const dirs = page.entries.filter((e) => e.type === "dir").slice(0, 6);
  q = { repositoryId: q.repositoryId, snapshotId: q.snapshotId, sort: q.sort, order: q.order };
  store.prefetch(
    dirs.map((d) => ({ ...q, path: joinPath(page.path, d.name), offset: 0, limit: PAGE })),
  );
}
