/**
 * Starts a real appliance process (Deno from source, or Node from the bundle) on a random
 * loopback port with its own temp data dir, and waits for its "listening" log line.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../server/paths.ts";
import { APPLIANCE_V8_FLAGS } from "../../scripts/deno_flags.mjs";
import { captureLog } from "./log_capture.ts";

export const DENO_SERVER_ARGS = [
  "run",
  APPLIANCE_V8_FLAGS,
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--allow-ffi",
  "server/main.ts",
];

export interface ServerProcess {
  url: string;
  port: number;
  dataDir: string;
  child: Deno.ChildProcess;
  /** Every line the process wrote so far (stdout and stderr). */
  lines: string[];
  /** SIGTERM, wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, wait for exit. */
  kill(): Promise<void>;
  /** Removes the data dir (after stop). */
  cleanup(): Promise<void>;
}

export async function startServerProcess(opts: {
  runtime?: "deno" | "node";
  env?: Record<string, string>;
  dataDir?: string;
  listen?: string;
  timeoutMs?: number;
  /** Deno only: the arguments instead of DENO_SERVER_ARGS (e.g. npm start's narrow permissions). */
  denoArgs?: (dataDir: string) => string[];
} = {}): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? await mkdtemp(join(tmpdir(), "cairn-srv-"));
  const runtime = opts.runtime ?? "deno";
  const [cmd, args] = runtime === "deno"
    ? [Deno.execPath(), opts.denoArgs?.(dataDir) ?? DENO_SERVER_ARGS]
    : ["node", ["dist/server_node.mjs"]];
  const child = new Deno.Command(cmd, {
    args,
    cwd: PROJECT_ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      NO_COLOR: "1",
      CAIRN_DATA_DIR: dataDir,
      CAIRN_LISTEN: opts.listen ?? "127.0.0.1:0",
      ...opts.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let exited = false;
  // Deno's node:child_process reports the signal sent instead of the real exit code; Deno.Command does not.
  const exit = child.status.then((s) => {
    exited = true;
    return s.signal ? null : s.code;
  });
  let announce: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => (announce = resolve));
  const pump = async (stream: ReadableStream<Uint8Array<ArrayBuffer>>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) {
        if (!line) continue;
        lines.push(line);
        captureLog("server-process", line);
        if (line.includes('"Cairn is listening"')) announce(JSON.parse(line).url);
      }
    }
    if (rest) lines.push(rest), captureLog("server-process", rest);
  };
  void pump(child.stdout);
  void pump(child.stderr);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const url = await Promise.race([
    listening,
    exit.then((code) =>
      Promise.reject(new Error(`server exited with ${code} before listening:\n${lines.join("\n")}`))
    ),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`server did not start:\n${lines.join("\n")}`)),
        opts.timeoutMs ?? 20_000,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    child,
    lines,
    async stop() {
      if (!exited) child.kill("SIGTERM");
      return await exit;
    },
    async kill() {
      if (!exited) child.kill("SIGKILL");
      await exit;
    },
    async cleanup() {
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
