/**
 * What the agent needs from its runtime: arguments, environment, pid, exit and termination
 * signals. Under Deno these come from the Deno namespace, which loads nothing; node:process
 * would pull in the Node compatibility layer, a few MB an idle agent does not need to carry.
 * Elsewhere the `process` global serves.
 */

interface NodeLikeProcess {
  argv: string[];
  env: Record<string, string | undefined>;
  pid: number;
  exit(code: number): never;
  on(signal: string, fn: () => void): void;
}

const deno = (globalThis as { Deno?: typeof Deno }).Deno;
const node = () => (globalThis as unknown as { process: NodeLikeProcess }).process;

export const runtime = {
  args: (): string[] => (deno ? [...deno.args] : node().argv.slice(2)),
  env: (): Record<string, string | undefined> => (deno ? deno.env.toObject() : { ...node().env }),
  pid: (): number => (deno ? deno.pid : node().pid),
  exit: (code: number): never => (deno ? deno.exit(code) : node().exit(code)),
  /** Calls `fn` on SIGTERM and SIGINT. */
  onTerminate(fn: () => void) {
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
      if (deno) deno.addSignalListener(sig, fn);
      else node().on(sig, fn);
    }
  },
  name: (): string => (deno ? `deno ${deno.version.deno}` : `node ${node().argv[0]}`),
};
