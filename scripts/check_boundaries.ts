/**
 * The import boundaries of STYLE.md, checked on every run: only repo files and db/ import Kysely
 * or the database drivers; routes never reach SQL; services never see Hono; the PWA and the agent
 * import from the server only its contract; nothing imports a barrel.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

interface Rule {
  applies(file: string): boolean;
  forbidden: RegExp;
  why: string;
}

const DB_PACKAGES = /^(kysely|libsql|@libsql\/client)(\/|$)/;
/** repo.ts, or a part's own <part>_repo.ts. */
const REPO_FILE = /\/([a-z0-9]+_)*repo\.ts$/;

const rules: Rule[] = [
  {
    applies: (f) =>
      f.startsWith("server/") && !REPO_FILE.test(f) && !f.startsWith("server/db/") &&
      !f.endsWith("_test.ts"),
    forbidden: DB_PACKAGES,
    why: "only repo files (repo.ts, <part>_repo.ts) and server/db/ may import Kysely or a driver",
  },
  {
    applies: (f) => /^server\/.*\/routes\.ts$/.test(f),
    forbidden: new RegExp(`${REPO_FILE.source}|\\/db\\/`),
    why: "routes call services, never repos or the database",
  },
  {
    applies: (f) => /^server\/.*\/service\.ts$/.test(f),
    forbidden: /^hono(\/|$)|\/http\/|\/routes\.ts$/,
    why: "services never see Hono or HTTP",
  },
  {
    applies: (f) => f.startsWith("pwa/src/"),
    forbidden: /^(\.\.\/)+server\/(?!contract\/)|^(kysely|libsql|@libsql\/client|hono)(\/|$)/,
    why: "the PWA imports only the server's contract",
  },
  {
    applies: (f) => f.startsWith("agent/") && !f.endsWith("_test.ts"),
    forbidden: /^(\.\.\/)+server\/(?!contract\/)|^(kysely|hono)(\/|$)/,
    why: "the agent imports only the server's contract",
  },
  {
    applies: (f) => /^(server|agent|pwa\/src)\//.test(f),
    forbidden: /\/index\.tsx?$|^\.\.?\/?$/,
    why: "import the concrete file, not a barrel",
  },
];

async function* walk(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "dist" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (/\.(ts|tsx)$/.test(e.name)) yield p;
  }
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^"'`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const problems: string[] = [];
for (const root of ["server", "agent", "pwa/src"]) {
  try {
    for await (const file of walk(root)) {
      const text = await readFile(file, "utf8");
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2];
        for (const rule of rules) {
          if (rule.applies(file) && rule.forbidden.test(spec)) {
            problems.push(`${file}: imports ${spec}: ${rule.why}`);
          }
        }
      }
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}
if (problems.length) {
  console.error(problems.join("\n"));
  Deno.exit(1);
}
console.log("import boundaries hold");
