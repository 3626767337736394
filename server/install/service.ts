/**
 * What `/install/*` serves: the install script, and the agent bundle for a host's architecture
 * with its SHA-256 (the script checks it before unpacking anything).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { NotFoundError } from "../errors.ts";
import { availableArches, createBundleCache } from "./bundle.ts";
import type { Bundle } from "./bundle.ts";

export function createInstallService(opts: { root: string; cacheDir: string; version: string }) {
  const cache = createBundleCache(opts);
  return {
    script: () => readFile(join(opts.root, "appliance", "install", "agent.sh"), "utf8"),
    async bundle(arch: string): Promise<Bundle> {
      if (!(await availableArches(opts.root)).includes(arch)) {
        throw new NotFoundError(`This appliance has no agent runtime for ${arch}; agent bundle`);
      }
      return await cache.get(arch);
    },
  };
}

export type InstallService = ReturnType<typeof createInstallService>;
