/**
 * A snapshot's tree in memory while it is indexed: every directory with its direct children,
 * whatever order the listing came in. Directories the listing never named (restic does not list
 * "/", a borg archive of /home/a/x does not list /home) are made as implicit directories.
 * `finish` sorts each directory's children by name, drops duplicate names (counted), computes
 * item counts and recursive sizes bottom-up, and hashes each directory's listing, so that an
 * unchanged directory is recognised without touching the database's names. The totals are not
 * part of the listing (nor of its hash): they change whenever anything below changes.
 *
 * Each distinct name of the tree is one NameRef that all entries of that name share, so the
 * ingest looks a name up in the database once however many directories hold it (README.md is
 * in thousands of them).
 */
import { createHash } from "node:crypto";
import { DIR_CODE, TYPE_CODE } from "./entry.ts";
import type { Entry } from "./entry.ts";
import { ByteWriter } from "./listing_codec.ts";

/** A distinct name of the tree; `id` is its number in the index once the ingest knows it. */
export interface NameRef {
  text: string;
  /** -1 until the ingest numbers it. */
  id: number;
}

export interface Child {
  name: string;
  ref: NameRef;
  type: number;
  mode: number;
  /** Bytes; 0 for a directory (its total is on its DirNode). */
  size: number;
  mtime: number | null;
  uid: number | null;
  gid: number | null;
  user: string | null;
  group: string | null;
  link: string | null;
  dir: DirNode | null;
  implicit: boolean;
  /** Set by the ingest from `ref` once the name is numbered (-1 before). */
  nameId: number;
}

export interface DirNode {
  /** 0 for the root. */
  depth: number;
  parent: DirNode | null;
  children: Child[];
  /** This directory's record in its parent's listing (null for the root). */
  self: Child | null;
  hash: Uint8Array | null;
  /** Direct children, and the bytes of every non-directory under it. */
  count: number;
  total: number;
  /** Set by the ingest once the directory node is interned (-1 before; the root is 0). */
  id: number;
  /** Set by the ingest once its listing's id is known (-1 before). */
  listing: number;
}

export interface FinishedTree {
  /** Every directory, parents before children (breadth first), the root first. */
  dirs: DirNode[];
  entryCount: number;
  totalSize: number;
  /** Entries dropped because their name was already taken in their directory. */
  duplicates: number;
}

function childOf(e: Entry, ref: NameRef): Child {
  return {
    name: ref.text,
    ref,
    type: TYPE_CODE[e.type] ?? TYPE_CODE.other,
    mode: e.mode & 0o7777,
    size: e.type === "dir" ? 0 : Math.max(0, Math.floor(e.size)),
    mtime: e.mtime === null ? null : Math.floor(e.mtime),
    uid: e.uid,
    gid: e.gid,
    user: e.user,
    group: e.group,
    link: e.type === "symlink" || e.type === "hardlink" ? e.linkTarget : null,
    dir: null,
    implicit: false,
    nameId: -1,
  };
}

export class TreeBuilder {
  readonly root: DirNode = {
    depth: 0,
    parent: null,
    children: [],
    self: null,
    hash: null,
    count: 0,
    total: 0,
    id: 0,
    listing: -1,
  };
  private readonly dirs = new Map<string, DirNode>([["/", this.root]]);
  private readonly names = new Map<string, NameRef>();
  rejected = 0;

  private nameRef(text: string): NameRef {
    let ref = this.names.get(text);
    if (ref === undefined) this.names.set(text, ref = { text, id: -1 });
    return ref;
  }

  /** Adds one entry (path already clean and absolute); false when it cannot be placed. */
  add(e: Entry): boolean {
    const cut = e.path.lastIndexOf("/");
    const name = e.path.slice(cut + 1);
    if (name === "") return this.reject();
    const parent = this.dirAt(cut === 0 ? "/" : e.path.slice(0, cut));
    const child = childOf(e, this.nameRef(name));
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
      depth: parent.depth + 1,
      parent,
      children: [],
      self: child,
      hash: null,
      count: 0,
      total: 0,
      id: -1,
      listing: -1,
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
      this.nameRef(path.slice(cut + 1)),
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
      for (const c of dir.children) total += c.dir ? c.dir.total : c.size;
      dir.total = total;
      dir.count = dir.children.length;
      entryCount += dir.count;
      dir.hash = hashListing(dir.children);
    }
    return { dirs: order, entryCount, totalSize: this.root.total, duplicates };
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

const input = new ByteWriter(new Uint8Array(1 << 16));

/** A number that may be missing or negative: a tag byte, then its magnitude. */
function int(v: number | null) {
  if (v === null) return input.byte(0);
  input.byte(v < 0 ? 2 : 1);
  input.uint(Math.abs(v));
}

/**
 * 16 bytes of SHA-256 over everything a listing stores, with names as text: every child's
 * name, type, mode, size, mtime, owner and link target, written in one reused buffer (a
 * JavaScript string of the same took twice as long to build). Strings carry their byte length
 * + 1 (0 for none), and an owner is written only where it differs from the previous child's,
 * so no field can imitate another.
 */
export function hashListing(children: readonly Child[]): Uint8Array {
  input.pos = 0;
  input.byte(2); // the input's version (the first was text, starting "v1")
  let prev: Child | null = null;
  for (const c of children) {
    input.str(c.name);
    input.byte(c.type);
    input.uint(c.mode);
    input.uint(c.type === DIR_CODE ? 0 : c.size);
    int(c.mtime);
    if (
      prev && c.uid === prev.uid && c.gid === prev.gid && c.user === prev.user &&
      c.group === prev.group
    ) input.byte(0);
    else {
      input.byte(1);
      int(c.uid);
      int(c.gid);
      input.str(c.user);
      input.str(c.group);
    }
    input.str(c.link);
    prev = c;
  }
  return createHash("sha256").update(input.view()).digest().subarray(0, 16);
}
