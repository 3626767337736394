/** Plain words, links and defaults shared by the restore screens; pure, so they are tested alone. */
import type { OverwritePolicy, RestoreTarget } from "../../api/restore_api.ts";

const enc = encodeURIComponent;

/**
 * The snapshot browser's address, at a folder (and sort) of the snapshot. A restic snapshot goes
 * by its short id, the one name every part of the appliance knows it by: the index keeps the
 * full id, the snapshot cache may only have the short one (restic 0.14 reports that after a
 * backup).
 */
export function snapshotHref(
  s: { hostId: string; repositoryId: string; snapshotId: string },
  q: { path?: string; sort?: string; order?: string } = {},
): string {
  const snap = enc(shortSnapshot(s.snapshotId));
  const base = `/hosts/${enc(s.hostId)}/snapshots/${enc(s.repositoryId)}/${snap}`;
  const p = new URLSearchParams();
  if (q.path && q.path !== "/") p.set("path", q.path);
  if (q.sort && q.sort !== "name") p.set("sort", q.sort);
  if (q.order && q.order !== "asc") p.set("order", q.order);
  const qs = p.toString();
  return qs ? `${base}?${qs}` : base;
}

export function parentPath(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

export function joinPath(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

/** restic's 8-character short id for a full one; anything else (a borg archive name) as it is. */
export function shortSnapshot(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? id.slice(0, 8) : id;
}

/** True when `path` is `root` or below it. */
export function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`);
}

/**
 * A new place for a restore that touches nothing already there: below the first allowed root, a
 * folder named after the snapshot and the day, so two restores of one snapshot sit side by side.
 */
export function defaultNewTarget(roots: string[], snapshotId: string, now = new Date()): string {
  const root = (roots[0] ?? "/var/lib/cairn/restore").replace(/\/+$/, "") || "/";
  const day = now.toISOString().slice(0, 10);
  const name = `${shortSnapshot(snapshotId)}-${day}`.replace(/[^0-9A-Za-z._-]/g, "_");
  return joinPath(root, name);
}

/** "Where" in one sentence, for the summary and the history. */
export function targetWords(t: RestoreTarget, hostName: (id: string) => string): string {
  switch (t.type) {
    case "original":
      return "Back to the original place";
    case "new":
      return `Into ${t.path}`;
    case "host": {
      const remaps = t.remap?.length ? ` (${t.remap.length} path remapped)` : "";
      return `Into ${t.path} on ${hostName(t.hostId)}${remaps}`;
    }
  }
}

export const OVERWRITE_WORDS: Record<OverwritePolicy, { label: string; hint: string }> = {
  "never": { label: "Never", hint: "Files already there stay as they are." },
  "if-newer": { label: "If newer", hint: "Replace only files older than the snapshot's." },
  "if-different": { label: "If different", hint: "Replace files whose content differs." },
  "always": { label: "Always", hint: "Replace every file the snapshot has." },
};

/** "3 items" / "the whole snapshot" */
export function selectionWords(paths: string[]): string {
  if (paths.length === 0) return "the whole snapshot";
  if (paths.length === 1) return paths[0];
  return `${paths.length} items`;
}

/** Remap lines "from → to", one per line, as typed in the wizard; bad lines are reported. */
export function parseRemap(
  text: string,
): { ok: true; remap: Array<{ from: string; to: string }> } | { ok: false; line: number } {
  const remap: Array<{ from: string; to: string }> = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const m = /^(\/\S*)\s*(?:->|→|\s)\s*(\/\S*)$/.exec(line);
    if (!m) return { ok: false, line: i + 1 };
    remap.push({ from: m[1], to: m[2] });
  }
  return { ok: true, remap };
}
