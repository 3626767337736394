/**
 * `runtime.json`: what the running agent last knew (its state with the appliance, last contact,
 * clock skew, last error), so `cairn-agent status` can tell without talking to the service.
 */
import * as v from "valibot";
import { join } from "node:path";
import { readJson, writeJsonAtomic } from "./state_files.ts";

export const RuntimeStateSchema = v.object({
  pid: v.number(),
  state: v.picklist([
    "starting",
    "pending",
    "approved",
    "rejected",
    "revoked",
    "appliance_key_changed",
    "protocol_mismatch",
    "unknown_to_appliance",
  ]),
  lastContactAt: v.nullable(v.number()),
  clockSkewMs: v.nullable(v.number()),
  lastError: v.nullable(v.string()),
  updatedAt: v.number(),
});
export type RuntimeState = v.InferOutput<typeof RuntimeStateSchema>;

const FILE = "runtime.json";

export function writeRuntimeState(stateDir: string, s: RuntimeState): Promise<void> {
  return writeJsonAtomic(join(stateDir, FILE), s);
}

export function readRuntimeState(stateDir: string): Promise<RuntimeState | null> {
  return readJson(join(stateDir, FILE), RuntimeStateSchema);
}
