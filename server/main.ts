/** Deno entry: `deno run --allow-net --allow-read --allow-write --allow-env --allow-sys --allow-ffi server/main.ts`. */
import { runMain } from "./main_shared.ts";
import { denoRuntime } from "./runtime_deno.ts";

await runMain(denoRuntime);
