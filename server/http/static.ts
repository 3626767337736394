/**
 * Serves the built PWA. Hashed files under /assets/ are cached for a year as immutable;
 * index.html, the manifest and the service worker are revalidated on every load so an update
 * reaches users at once. Files are small and few, so they are kept in memory with a gzip copy.
 */
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { gzipSync } from "node:zlib";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
  ".crt": "application/x-x509-ca-cert",
};

interface Entry {
  body: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer> | null;
  type: string;
  etag: string;
  immutable: boolean;
}

export interface StaticFiles {
  /** A response for a GET/HEAD of `pathname`, or null when the PWA has no such file. */
  serve(pathname: string, req: Request): Promise<Response | null>;
}

export function createStaticFiles(root: string): StaticFiles {
  const cache = new Map<string, Entry | null>();
  const base = normalize(root);

  async function load(rel: string): Promise<Entry | null> {
    if (cache.has(rel)) return cache.get(rel)!;
    const file = normalize(join(base, rel));
    let entry: Entry | null = null;
    if (file.startsWith(base + sep)) {
      try {
        const st = await stat(file);
        if (st.isFile()) {
          const body = new Uint8Array(await readFile(file));
          const type = TYPES[extname(file)] ?? "application/octet-stream";
          const compressible = /text|json|javascript|svg|manifest/.test(type) && body.length > 512;
          entry = {
            body,
            gzip: compressible ? new Uint8Array(gzipSync(body, { level: 9 })) : null,
            type,
            etag: `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`,
            immutable: rel.startsWith("assets/"),
          };
        }
      } catch {
        entry = null; // a missing file is an ordinary 404 or an SPA route
      }
    }
    if (cache.size < 500) cache.set(rel, entry);
    return entry;
  }

  function respond(entry: Entry, req: Request): Response {
    const headers = new Headers({
      "content-type": entry.type,
      "cache-control": entry.immutable ? "public, max-age=31536000, immutable" : "no-cache",
      etag: entry.etag,
      vary: "accept-encoding",
    });
    if (req.headers.get("if-none-match") === entry.etag) {
      return new Response(null, { status: 304, headers });
    }
    const gz = entry.gzip && /\bgzip\b/.test(req.headers.get("accept-encoding") ?? "");
    const body = gz ? entry.gzip! : entry.body;
    if (gz) headers.set("content-encoding", "gzip");
    headers.set("content-length", String(body.length));
    return new Response(req.method === "HEAD" ? null : body, { status: 200, headers });
  }

  return {
    async serve(pathname, req) {
      let rel: string;
      try {
        rel = decodeURIComponent(pathname).replace(/^\/+/, "");
      } catch {
        return null;
      }
      if (rel.includes("\0")) return null;
      const direct = rel === "" ? null : await load(rel);
      if (direct) return respond(direct, req);
      // Navigations to app routes get the shell; a missing asset stays a 404.
      if (extname(rel) === "" && /text\/html|\*\/\*/.test(req.headers.get("accept") ?? "*/*")) {
        const index = await load("index.html");
        return index ? respond(index, req) : null;
      }
      return null;
    },
  };
}
