// `npm start`: build, then run the appliance under Deno with explicit, narrow permissions:
// read the project and the data dir, write only the data dir, the network, the environment,
// system facts (host name and addresses for the certificate), and FFI for libSQL's native driver.
// The list itself is in scripts/deno_flags.mjs, shared with test/permissions_test.ts.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { APPLIANCE_V8_FLAGS, applianceDenoFlags } from "./deno_flags.mjs";

const built = spawnSync("node", ["scripts/build.mjs"], { stdio: "inherit" });
if (built.status !== 0) process.exit(built.status ?? 1);

const dataDir = resolve(process.env.CAIRN_DATA_DIR || "./data");
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
const root = resolve(".");
const child = spawn("deno", [
  "run",
  APPLIANCE_V8_FLAGS,
  ...applianceDenoFlags({ root, dataDir }),
  "server/main.ts",
], {
  stdio: "inherit",
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
