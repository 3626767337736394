/**
 * `cairn-agent`: deno run … agent/main.ts <id|enroll|run|status|emit> [--state-dir DIR] …
 * The entry only reads the config and runs the command; exit codes: 0 done, 1 failed, 2 usage,
 * 3 refused by the appliance (rejected or revoked), 78 needs a person (changed appliance key,
 * unknown protocol, not enrolled).
 */
import { runCli } from "./cli.ts";
import { readConfig, USAGE, UsageError } from "./config.ts";
import { runtime } from "./platform/runtime.ts";

let code: number;
try {
  code = await runCli(readConfig());
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`cairn-agent: ${err.message}\n\n${USAGE}`);
  code = 2;
}
runtime.exit(code);
