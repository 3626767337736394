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
  /** The name test as a regular expression, for names read from listings. */
  nameRegex: RegExp;
  /** For a path: the directory's names. */
  dirNames: string[] | null;
  /** For a glob: whether a directory path ("/" for the root) fits the pattern. */
  dirTest: ((dirPath: string) => boolean) | null;
  /**
   * For a glob whose part before the name is not "**": what the parent directory's own name
   * must be ("" for the root), so the search can start from those few directories.
   */
  parent: NameTest | null;
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

function nameTest(part: string): NameTest {
  const p = part.replaceAll("**", "*");
  return WILD.test(p) ? { op: "glob", pattern: p } : { op: "exact", name: p };
}

function dirMatcher(parts: string[], anchored: boolean): ((dirPath: string) => boolean) | null {
  if (!anchored && parts.every((p) => p === "**")) return null;
  const body = parts.map((p) => (p === "**" ? "(?:/[^/]+)*" : `/${segmentSource(p)}`)).join("");
  const re = new RegExp(`^${anchored ? "" : "(?:/[^/]+)*"}${body}$`, "u");
  return (dirPath) => re.test(dirPath === "/" ? "" : dirPath);
}

export function compileQuery(query: string, kind: SearchKind | "auto" = "auto"): CompiledQuery {
  if (query.trim() === "") throw new ValidationError("Search query is empty");
  const k = kind === "auto" ? detectKind(query) : kind;
  const base = { kind: k, dirNames: null, dirTest: null, parent: null };
  if (k === "substring") {
    if (query.includes("/")) {
      throw new ValidationError("A name search cannot hold '/': use a glob or a path");
    }
    const re = new RegExp(query.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"), "iu");
    return { ...base, name: { op: "like", pattern: likeContains(query) }, nameRegex: re };
  }
  if (k === "path") {
    const names = splitPath(query);
    if (!names || names.length === 0) {
      throw new ValidationError("Path must be absolute and name an entry");
    }
    const name = names.at(-1)!;
    return { ...base, name: { op: "exact", name }, nameRegex: /^/, dirNames: names.slice(0, -1) };
  }
  const anchored = query.startsWith("/");
  const parts = query.replace(/^\/+/, "").split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new ValidationError("Glob has an empty, '.' or '..' part");
  }
  const last = parts.pop()!;
  const before = parts.at(-1);
  const parent = before === undefined
    ? (anchored ? { op: "exact" as const, name: "" } : null)
    : before === "**"
    ? null
    : nameTest(before);
  return {
    ...base,
    name: nameTest(last),
    nameRegex: new RegExp(`^${segmentSource(last.replaceAll("**", "*"))}$`, "u"),
    dirTest: dirMatcher(parts, anchored),
    parent,
  };
}
