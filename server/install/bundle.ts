/**
 * The agent bundle a host downloads from `/install/agent.tar.gz`: the agent's source, the
 * server's contract it imports, the pure-JS npm packages it needs (AGENT_PACKAGES), and the Deno
 * runtime for the host's architecture from node_modules/@deno/*, so a host needs no internet. The
 * outbox uses the runtime's built-in SQLite there (agent/platform/sqlite.ts), so no native module
 * ships. Built on first request per architecture and cached in the data dir under a key made from
 * the files' sizes and times, so a changed agent makes a new bundle.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { tarStream } from "./tar.ts";
import type { TarEntry } from "./tar.ts";

/** What each host architecture (`uname -m`, normalised) needs from node_modules. */
export const ARCHES: Record<string, { deno: string }> = {
  x86_64: { deno: "@deno/linux-x64-glibc" },
  aarch64: { deno: "@deno/linux-arm64-glibc" },
};

const AGENT_PACKAGES = ["valibot", "tweetnacl", "fflate", "cron-schedule"];
const ROOT_DIR = "cairn-agent";
const MTIME = 1_700_000_000;

export interface Bundle {
  file: string;
  sha256: string;
  bytes: number;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".") || e.name === "testdata") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

async function fileEntry(path: string, name: string, mode = 0o644): Promise<TarEntry> {
  const s = await stat(path);
  return { name, mode, source: { path, size: s.size, mtimeMs: s.mtimeMs } };
}

async function treeEntries(
  root: string,
  from: string,
  under: string,
  skip: RegExp,
): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  for await (const p of walk(join(root, from))) {
    const rel = relative(root, p).split("\\").join("/");
    if (!skip.test(rel)) out.push(await fileEntry(p, `${under}/${rel}`));
  }
  return out;
}

/** Every file of the bundle for one architecture; throws when the appliance lacks its packages. */
export async function bundleEntries(
  root: string,
  arch: string,
  version: string,
): Promise<TarEntry[]> {
  const pkgs = ARCHES[arch];
  if (!pkgs) throw new Error(`Unknown architecture: ${arch}`);
  const app = `${ROOT_DIR}/app`;
  const entries = [
    ...await treeEntries(root, "agent", app, /_test\.ts$/),
    ...await treeEntries(root, "server/contract", app, /_test\.ts$/),
  ];
  for (const p of AGENT_PACKAGES) {
    entries.push(...await treeEntries(root, `node_modules/${p}`, app, /^$/));
  }
  const deps = Object.fromEntries(
    await Promise.all(AGENT_PACKAGES.map(async (p) => {
      const j = JSON.parse(await readFile(join(root, "node_modules", p, "package.json"), "utf8"));
      return [p, j.version as string];
    })),
  );
  const data = (text: string) => ({ data: new TextEncoder().encode(text) });
  const install = join(root, "appliance", "install");
  entries.push(
    {
      name: `${app}/package.json`,
      mode: 0o644,
      source: data(JSON.stringify({ type: "module", dependencies: deps }, null, 2)),
    },
    {
      name: `${app}/deno.json`,
      mode: 0o644,
      source: data(JSON.stringify({ nodeModulesDir: "manual" }) + "\n"),
    },
    { name: `${ROOT_DIR}/VERSION`, mode: 0o644, source: data(`${version}\n`) },
    await fileEntry(join(install, "cairn-agent"), `${ROOT_DIR}/bin/cairn-agent`, 0o755),
    await fileEntry(
      join(install, "cairn-agent.service.in"),
      `${ROOT_DIR}/share/cairn-agent.service.in`,
    ),
    await fileEntry(join(root, "node_modules", pkgs.deno, "deno"), `${ROOT_DIR}/bin/deno`, 0o755),
  );
  return entries;
}

/** Architectures this appliance can serve (their Deno runtime is installed). */
export async function availableArches(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const [arch, p] of Object.entries(ARCHES)) {
    if (await stat(join(root, "node_modules", p.deno, "deno")).then(() => true, () => false)) {
      out.push(arch);
    }
  }
  return out;
}

function cacheKey(entries: TarEntry[], version: string): string {
  const h = createHash("sha256").update(version);
  for (const e of entries) {
    h.update(e.name);
    h.update("data" in e.source ? e.source.data : `${e.source.size}:${e.source.mtimeMs}`);
  }
  return h.digest("hex").slice(0, 16);
}

async function writeBundle(entries: TarEntry[], file: string): Promise<Bundle> {
  const tmp = `${file}.${crypto.randomUUID()}.tmp`;
  const hash = createHash("sha256");
  let bytes = 0;
  const tap = new Transform({
    transform(chunk, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.from(tarStream(entries, MTIME)),
      createGzip({ level: 6 }),
      tap,
      createWriteStream(tmp, { mode: 0o600 }),
    );
    const sha256 = hash.digest("hex");
    await writeFile(`${file}.sha256`, sha256 + "\n", { mode: 0o600 });
    await rename(tmp, file);
    return { file, sha256, bytes };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export function createBundleCache(opts: { root: string; cacheDir: string; version: string }) {
  const building = new Map<string, Promise<Bundle>>();
  return {
    async get(arch: string): Promise<Bundle> {
      const entries = await bundleEntries(opts.root, arch, opts.version);
      const file = join(
        opts.cacheDir,
        `agent-${opts.version}-${arch}-${cacheKey(entries, opts.version)}.tar.gz`,
      );
      const cached = await stat(file).then((s) => s.size, () => null);
      if (cached !== null) {
        const sha256 = (await readFile(`${file}.sha256`, "utf8")).trim();
        return { file, sha256, bytes: cached };
      }
      let p = building.get(file);
      if (!p) {
        p = mkdir(opts.cacheDir, { recursive: true, mode: 0o700 }).then(() =>
          writeBundle(entries, file)
        );
        building.set(file, p);
        p.finally(() => building.delete(file)).catch(
          () => {/* the caller of get() sees the error */},
        );
      }
      return await p;
    },
  };
}

export type BundleCache = ReturnType<typeof createBundleCache>;
