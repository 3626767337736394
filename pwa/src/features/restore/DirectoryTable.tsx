import type { IndexEntryView, SortKey, SortOrder } from "../../api/restore_api.ts";
import { formatBytes, formatTime } from "../../components/format.ts";

const COLUMNS: Array<{ key: SortKey; label: string; cls?: string }> = [
  { key: "name", label: "Name" },
  { key: "size", label: "Size", cls: "num" },
  { key: "mtime", label: "Modified", cls: "wide-only" },
];

/** A folder's entries: pick boxes, sortable headers, folders as links, files open a sheet. */
export function DirectoryTable(props: {
  entries: IndexEntryView[];
  sort: SortKey;
  order: SortOrder;
  hrefFor(entry: IndexEntryView): string;
  sortHref(key: SortKey): string;
  picked: string[];
  onPick(path: string): void;
  onOpenFile(entry: IndexEntryView): void;
}) {
  return (
    <div class="table-wrap">
      <table class="dir-table">
        <caption class="visually-hidden">Folder contents</caption>
        <thead>
          <tr>
            <th scope="col" class="pick">
              <span class="visually-hidden">Pick</span>
            </th>
            {COLUMNS.map((c) => (
              <th
                key={c.key}
                scope="col"
                class={c.cls}
                aria-sort={props.sort === c.key
                  ? (props.order === "asc" ? "ascending" : "descending")
                  : undefined}
              >
                <a href={props.sortHref(c.key)}>
                  {c.label}
                  {props.sort === c.key ? (props.order === "asc" ? " ▲" : " ▼") : ""}
                </a>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => <Row key={e.path} entry={e} {...props} />)}
        </tbody>
      </table>
    </div>
  );
}

function Row(props: {
  entry: IndexEntryView;
  hrefFor(entry: IndexEntryView): string;
  picked: string[];
  onPick(path: string): void;
  onOpenFile(entry: IndexEntryView): void;
}) {
  const e = props.entry;
  const on = props.picked.includes(e.path);
  return (
    <tr class={on ? "is-picked" : undefined}>
      <td class="pick">
        <input
          type="checkbox"
          checked={on}
          aria-label={`Pick ${e.name}`}
          onChange={() => props.onPick(e.path)}
        />
      </td>
      <th scope="row" class="entry-name">
        {e.type === "dir"
          ? (
            <a href={props.hrefFor(e)}>
              {e.name}
              <span aria-hidden="true" class="entry-mark">/</span>
            </a>
          )
          : (
            <button type="button" class="linkish" onClick={() => props.onOpenFile(e)}>
              {e.name}
            </button>
          )}
        {e.linkTarget && <span class="muted details">→ {e.linkTarget}</span>}
      </th>
      <td class="num">
        {formatBytes(e.size)}
        {e.itemCount !== null && <span class="muted details">{itemWords(e.itemCount)}</span>}
      </td>
      <td class="wide-only">{e.mtime ? formatTime(e.mtime) : "—"}</td>
    </tr>
  );
}

export function itemWords(n: number): string {
  return n === 1 ? "1 item" : `${n} items`;
}
