/**
 * A throwaway restic REST server for tests: `rclone serve restic` on 127.0.0.1 and a free
 * port, storing into a temp dir, with an htpasswd file ({SHA} entries) for the given users and
 * optionally --append-only (deletes answered 403) and --private-repos.
 *
 *   const rest = await startRcloneRestServer({ users: { alice: "pw" }, appendOnly: true });
 *   repository: { kind: "rest", url: `${rest.url}alice/`, username: "alice", password: "pw" }
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeLoopbackPort } from "./ports.ts";

export interface RestServer {
  /** "http://127.0.0.1:PORT/" */
  url: string;
  port: number;
  dataDir: string;
  log: string[];
  stop(): Promise<void>;
}

export interface RestServerOptions {
  users: Record<string, string>;
  appendOnly?: boolean;
  privateRepos?: boolean;
}

async function htpasswdLine(user: string, password: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(password));
  return `${user}:{SHA}${btoa(String.fromCharCode(...new Uint8Array(digest)))}`;
}

export async function startRcloneRestServer(opts: RestServerOptions): Promise<RestServer> {
  const dir = await mkdtemp(join(tmpdir(), "cairn-rclone-"));
  const dataDir = join(dir, "data");
  const htpasswd = join(dir, "htpasswd");
  const lines = await Promise.all(Object.entries(opts.users).map(([u, p]) => htpasswdLine(u, p)));
  await writeFile(htpasswd, lines.join("\n") + "\n", { mode: 0o600 });
  for (let attempt = 0;; attempt++) {
    try {
      return await launch({ dir, dataDir, htpasswd }, opts);
    } catch (err) {
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

async function launch(
  { dir, dataDir, htpasswd }: { dir: string; dataDir: string; htpasswd: string },
  opts: RestServerOptions,
): Promise<RestServer> {
  const port = freeLoopbackPort();
  const args = [
    "serve",
    "restic",
    "--addr",
    `127.0.0.1:${port}`,
    "--htpasswd",
    htpasswd,
    "--config",
    join(dir, "rclone.conf"),
    ...(opts.appendOnly ? ["--append-only"] : []),
    ...(opts.privateRepos ? ["--private-repos"] : []),
    dataDir,
  ];
  const child = new Deno.Command("rclone", { args, stdin: "null", stdout: "null", stderr: "piped" })
    .spawn();
  const log: string[] = [];
  let found: () => void = () => {};
  const ready = new Promise<void>((resolve) => (found = resolve));
  void (async () => {
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
      for (const line of text.split("\n").filter(Boolean)) {
        log.push(line);
        if (line.includes("Serving restic REST API on")) found();
      }
    }
  })();
  const exited = child.status;
  const started = await Promise.race([ready.then(() => true), exited.then(() => false)]);
  if (!started) throw new Error(`rclone serve restic did not start:\n${log.join("\n")}`);
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    dataDir,
    log,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch (err) {
        if (!(err instanceof TypeError)) throw err; // already exited
      }
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
