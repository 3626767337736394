// Builds what the appliance serves and runs: the PWA (Vite, into pwa/dist) and the Node bundle
// of the server (rolldown, into dist/server_node.mjs; Node 20 cannot run TypeScript itself,
// Deno needs no bundle). Packages stay external and load from node_modules.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { build } from "rolldown";

if (existsSync("pwa/vite.config.ts")) {
  const r = spawnSync("npx", [
    "vite",
    "build",
    "--config",
    "pwa/vite.config.ts",
    "--logLevel",
    "warn",
  ], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

await build({
  input: "server/main_node.ts",
  platform: "node",
  external: [/^[^./]/],
  // One file: server/paths.ts resolves the project root from its own depth, which chunks would change.
  output: { file: "dist/server_node.mjs", format: "esm", codeSplitting: false },
  logLevel: "warn",
});
