/**
 * The PWA's start-up weight: the JavaScript a browser must fetch before the dashboard first
 * renders (the entry script of index.html, its modulepreloads, and every chunk they import
 * statically), each gzipped as the appliance serves it, against the 60 KB budget. Lazy chunks
 * (admin screens) and the service worker load later and are listed apart.
 *   node scripts/build.mjs && npx deno run --allow-read scripts/bench/pwa_size.ts
 */
import { readdir, readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { gzipSync } from "node:zlib";

const DIST = new URL("../../pwa/dist/", import.meta.url).pathname;
const BUDGET_KB = 60;

const html = await readFile(join(DIST, "index.html"), "utf8").catch(() => {
  console.error("pwa/dist/index.html is missing: run `node scripts/build.mjs` first");
  Deno.exit(1);
});

const roots = [
  ...html.matchAll(/<script\b[^>]*\bsrc="([^"]+\.js)"/g),
  ...html.matchAll(/<link\b[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
].map((m) => m[1].replace(/^\//, ""));

/** Static imports only: `import x from"./a.js"`, `import"./a.js"`, `export … from"./a.js"`. */
const STATIC_IMPORT =
  /(?:^|[;}\s])(?:import|export)\s*(?:[\w$*{},\s]*?from\s*)?["'`]([^"'`]+\.js)["'`]/g;
const DYNAMIC_IMPORT = /import\(\s*["'`]([^"'`]+\.js)["'`]\s*\)/g;

const gz = (b: Uint8Array) => gzipSync(b, { level: 9 }).length;
const kb = (n: number) => (n / 1024).toFixed(1).padStart(6);

const firstRender = new Map<string, { raw: number; gzip: number }>();
const lazy = new Set<string>();
const queue = [...roots];
while (queue.length) {
  const rel = posix.normalize(queue.shift()!);
  if (firstRender.has(rel)) continue;
  const body = await readFile(join(DIST, rel));
  firstRender.set(rel, { raw: body.length, gzip: gz(body) });
  const text = body.toString("utf8");
  const here = posix.dirname(rel);
  for (const m of text.matchAll(STATIC_IMPORT)) queue.push(posix.join(here, m[1]));
  for (const m of text.matchAll(DYNAMIC_IMPORT)) lazy.add(posix.normalize(posix.join(here, m[1])));
}

console.log("JavaScript loaded before the dashboard's first render (gzip -9):");
let total = 0;
for (const [file, s] of firstRender) {
  total += s.gzip;
  console.log(`  ${kb(s.gzip)} KB  (${kb(s.raw)} KB raw)  ${file}`);
}
const verdict = total / 1024 <= BUDGET_KB ? "within" : "OVER";
console.log(
  `  total ${(total / 1024).toFixed(1)} KB gzipped of a ${BUDGET_KB} KB budget: ${verdict}`,
);
console.log(`  (${((100 * total) / (BUDGET_KB * 1024)).toFixed(0)}% of the budget)`);

const later: string[] = [];
for (const f of await readdir(join(DIST, "assets"))) {
  const rel = `assets/${f}`;
  if (f.endsWith(".js") && !firstRender.has(rel)) later.push(rel);
}
later.push("sw.js", ...(await readdir(DIST)).filter((f) => /^workbox-.*\.js$/.test(f)));
console.log("\nLoaded later (lazy screens, service worker):");
for (const rel of later) {
  const body = await readFile(join(DIST, rel));
  const tag = lazy.has(rel) ? "lazy" : rel.startsWith("assets/") ? "chunk" : "worker";
  console.log(`  ${kb(gz(body))} KB  ${tag.padEnd(6)} ${rel}`);
}
const css = (await readdir(join(DIST, "assets"))).filter((f) => f.endsWith(".css"));
for (const f of css) {
  const body = await readFile(join(DIST, "assets", f));
  console.log(`\nCSS (not counted as JavaScript): ${kb(gz(body))} KB  assets/${f}`);
}
if (verdict === "OVER") Deno.exit(1);
