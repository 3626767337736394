/**
 * A snapshot's tree in memory while it is indexed: every directory with its direct children,
 * whatever order the listing came in. Directories the listing never named (restic does not list
 * "/", a borg archive of /home/a/x does not list /home) are made as implicit directories.
 * `finish` sorts each directory's children by name, drops duplicate names (counted), computes
 * item counts and recursive sizes bottom-up, and hashes each directory's content, so that an
 * unchanged directory is recognised without touching the database's names.
 */
import { createHash } from "node:crypto";
import { DIR_CODE, TYPE_CODE } from "./entry.ts";
import type { Entry } from "./entry.ts";

export interface Child {
  name: string;
  type: number;
  mode: number;
  size: number;
  count: number;
  mtime: number | null;
  uid: number | null;
  gid: number | null;
  user: string | null;
  group: string | null;
  link: string | null;
  dir: DirNode | null;
  implicit: boolean;
}

export interface DirNode {
  /** Names from the root; the root has none. */
  names: string[];
  parent: DirNode | null;
  children: Child[];
  /** This directory's record in its parent's listing (null for the root). */
  self: Child | null;
  hash: Uint8Array | null;
}

export interface FinishedTree {
  /** Every directory, parents before children (breadth first), the root first. */
  dirs: DirNode[];
  entryCount: number;
  totalSize: number;
  /** Entries dropped because their name was already taken in their directory. */
  duplicates: number;
}

function childOf(e: Entry, name: string): Child {
  return {
    name,
    type: TYPE_CODE[e.type] ?? TYPE_CODE.other,
    mode: e.mode & 0o7777,
    size: e.type === "dir" ? 0 : Math.max(0, Math.floor(e.size)),
    count: 0,
    mtime: e.mtime === null ? null : Math.floor(e.mtime),
    uid: e.uid,
    gid: e.gid,
    user: e.user,
    group: e.group,
    link: e.linkTarget,
    dir: null,
    implicit: false,
  };
}

export class TreeBuilder {
  readonly root: DirNode = { names: [], parent: null, children: [], self: null, hash: null };
  private readonly dirs = new Map<string, DirNode>([["/", this.root]]);
  rejected = 0;

  /** Adds one entry (path already clean and absolute); false when it cannot be placed. */
  add(e: Entry): boolean {
    const cut = e.path.lastIndexOf("/");
    const name = e.path.slice(cut + 1);
    if (name === "") return this.reject();
    const parent = this.dirAt(cut === 0 ? "/" : e.path.slice(0, cut));
    const child = childOf(e, name);
    if (e.type === "dir") {
      const known = this.dirs.get(e.path);
      if (known) {
        if (!known.self?.implicit) return this.reject();
        Object.assign(known.self, { ...child, dir: known, implicit: false });
        return true;
      }
      this.attachDir(parent, child, e.path);
    }
    parent.children.push(child);
    return true;
  }

  private reject(): false {
    this.rejected++;
    return false;
  }

  private attachDir(parent: DirNode, child: Child, path: string): DirNode {
    const node: DirNode = {
      names: [...parent.names, child.name],
      parent,
      children: [],
      self: child,
      hash: null,
    };
    child.dir = node;
    this.dirs.set(path, node);
    return node;
  }

  private dirAt(path: string): DirNode {
    const known = this.dirs.get(path);
    if (known) return known;
    const cut = path.lastIndexOf("/");
    const parent = this.dirAt(cut === 0 ? "/" : path.slice(0, cut));
    const child = childOf(
      {
        path,
        type: "dir",
        size: 0,
        mtime: null,
        mode: 0,
        uid: null,
        gid: null,
        user: null,
        group: null,
        linkTarget: null,
      },
      path.slice(cut + 1),
    );
    child.implicit = true;
    parent.children.push(child);
    return this.attachDir(parent, child, path);
  }

  finish(): FinishedTree {
    const order: DirNode[] = [this.root];
    for (let i = 0; i < order.length; i++) {
      for (const c of order[i].children) if (c.dir) order.push(c.dir);
    }
    let entryCount = 0;
    let duplicates = 0;
    for (let i = order.length - 1; i >= 0; i--) {
      const dir = order[i];
      duplicates += sortAndDedupe(dir);
      let total = 0;
      for (const c of dir.children) total += c.size;
      entryCount += dir.children.length;
      if (dir.self) {
        dir.self.size = total;
        dir.self.count = dir.children.length;
      }
      dir.hash = hashListing(dir.children);
    }
    const totalSize = order[0].children.reduce((s, c) => s + c.size, 0);
    return { dirs: order, entryCount, totalSize, duplicates };
  }
}

const byName = (a: Child, b: Child) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Sorts children by name; of two with one name the directory (or else the first) stays. */
function sortAndDedupe(dir: DirNode): number {
  const c = dir.children;
  c.sort(byName);
  let out = 0;
  let dropped = 0;
  for (let i = 0; i < c.length; i++) {
    if (out > 0 && c[out - 1].name === c[i].name) {
      dropped++;
      if (c[i].dir && !c[out - 1].dir) c[out - 1] = c[i];
      continue;
    }
    c[out++] = c[i];
  }
  c.length = out;
  return dropped;
}

/** 16 bytes of SHA-256 over everything a listing stores, with names as text. */
export function hashListing(children: readonly Child[]): Uint8Array {
  const rows = children.map((c) => [
    c.name,
    c.type,
    c.mode,
    c.size,
    c.type === DIR_CODE ? c.count : 0,
    c.mtime,
    c.uid,
    c.gid,
    c.user,
    c.group,
    c.link,
  ]);
  return createHash("sha256").update("v1" + JSON.stringify(rows)).digest().subarray(0, 16);
}
