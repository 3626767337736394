// The Deno permissions the appliance runs with, in one place for `npm start` and for the test
// that proves they are enough (test/permissions_test.ts). Read the project and the data dir,
// write only the data dir, the network, the environment (config is read with Deno.env.toObject),
// FFI for libSQL's native driver, and three system facts: the host name and the network
// addresses (named in the TLS certificate) and the CPU list (libSQL's loader calls
// process.report.getReport() to tell glibc from musl, and that asks for it). Never -A.

export const APPLIANCE_SYS = ["hostname", "networkInterfaces", "cpus"];

/**
 * V8's young generation grows to tens of MB per semi-space under load and is not given back;
 * capping it at 4 MB kept the appliance under 150 MB with 1,000 long-polling agents (154 MB
 * without) at no measurable cost in API throughput. A box with 1 GB of RAM needs that.
 */
export const APPLIANCE_V8_FLAGS = "--v8-flags=--max-semi-space-size=4";

/**
 * @param {{ root: string, dataDir: string }} dirs absolute paths
 * @returns {string[]} the permission flags, to put between `deno run` and `server/main.ts`
 */
export function applianceDenoFlags({ root, dataDir }) {
  for (const dir of [root, dataDir]) {
    // Deno separates allow-lists with commas.
    if (dir.includes(",")) throw new Error(`a path with a comma cannot be allowed: ${dir}`);
  }
  return [
    "--allow-net",
    `--allow-read=${root},${dataDir}`,
    `--allow-write=${dataDir}`,
    "--allow-env",
    `--allow-sys=${APPLIANCE_SYS.join(",")}`,
    "--allow-ffi",
  ];
}
