/**
 * What a search query means. A name search looks only at names (which never hold "/"); a glob
 * matches whole paths: its last part is a name pattern run against the distinct names in SQL
 * (SQLite's GLOB has the same *, ? and [...] as the shell), the parts before it a pattern for
 * the directory, checked here. "**" spans any number of directories; a glob without a leading
 * "/" may start at any depth ("nginx/*.conf" finds /etc/nginx/a.conf).
 */
import { ValidationError } from "../errors.ts";
import { splitPath } from "./entry.ts";

export type SearchKind = "substring" | "glob" | "path";

export type NameTest =
  | { op: "exact"; name: string }
  | { op: "like"; pattern: string }
  | { op: "glob"; pattern: string };

export interface CompiledQuery {
  kind: SearchKind;
  name: NameTest;
  /** For a path: the directory's names. */
  dirNames: string[] | null;
  /** For a glob: whether a directory path ("/" for the root) fits the pattern. */
  dirTest: ((dirPath: string) => boolean) | null;
}

const WILD = /[*?[]/;

/** "/etc/hosts" is a path, "*.conf" and "nginx/nginx.conf" (any depth) globs, "nginx" a name. */
export function detectKind(query: string): SearchKind {
  if (query.startsWith("/")) return WILD.test(query) ? "glob" : "path";
  return WILD.test(query) || query.includes("/") ? "glob" : "substring";
}

function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, "\\$&")}%`;
}

/** One glob segment as a regular expression source, within one path part. */
function segmentSource(seg: string): string {
  let out = "";
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i];
    if (ch === "*") out += "[^/]*";
    else if (ch === "?") out += "[^/]";
    else if (ch === "[" && seg.indexOf("]", i + 2) > i) {
      const end = seg.indexOf("]", i + 2);
      let body = seg.slice(i + 1, end);
      const negate = body.startsWith("^") || body.startsWith("!");
      if (negate) body = body.slice(1);
      out += `[${negate ? "^/" : ""}${body.replace(/[\\\]]/g, "\\$&")}]`;
      i = end;
    } else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return out;
}

function dirMatcher(parts: string[], anchored: boolean): ((dirPath: string) => boolean) | null {
  if (parts.length === 0 && !anchored) return null;
  const body = parts.map((p) => (p === "**" ? "(?:/[^/]+)*" : `/${segmentSource(p)}`)).join("");
  const re = new RegExp(`^${anchored ? "" : "(?:/[^/]+)*"}${body}$`, "u");
  return (dirPath) => re.test(dirPath === "/" ? "" : dirPath);
}

export function compileQuery(query: string, kind: SearchKind | "auto" = "auto"): CompiledQuery {
  const q = query.trim() === "" ? "" : query;
  if (q === "") throw new ValidationError("Search query is empty");
  const k = kind === "auto" ? detectKind(q) : kind;
  if (k === "substring") {
    if (q.includes("/")) {
      throw new ValidationError("A name search cannot hold '/': use a glob or a path");
    }
    return {
      kind: k,
      name: { op: "like", pattern: likeContains(q) },
      dirNames: null,
      dirTest: null,
    };
  }
  if (k === "path") {
    const names = splitPath(q);
    if (!names || names.length === 0) {
      throw new ValidationError("Path must be absolute and name an entry");
    }
    return {
      kind: k,
      name: { op: "exact", name: names.at(-1)! },
      dirNames: names.slice(0, -1),
      dirTest: null,
    };
  }
  const anchored = q.startsWith("/");
  const parts = q.replace(/^\/+/, "").split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new ValidationError("Glob has an empty, '.' or '..' part");
  }
  const last = parts.pop()!.replaceAll("**", "*");
  const name: NameTest = WILD.test(last)
    ? { op: "glob", pattern: last }
    : { op: "exact", name: last };
  return { kind: k, name, dirNames: null, dirTest: dirMatcher(parts, anchored) };
}
