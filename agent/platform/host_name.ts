/** This machine's host name (what borg writes into its lock roster), without node:os under Deno. */
export function hostName(): string {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (deno) return deno.hostname();
  const proc = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.("node:os") as { hostname(): string } | undefined;
  if (!os) throw new Error("The agent needs Deno 2 or Node 20.16 or newer");
  return os.hostname();
}
