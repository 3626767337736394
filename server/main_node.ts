/** Node ≥ 20 entry, run from the bundle that scripts/build_node.ts makes (Node 20 cannot run TypeScript). */
import { runMain } from "./main_shared.ts";
import { nodeRuntime } from "./runtime_node.ts";

await runMain(nodeRuntime);
