/**
 * A throwaway OpenSSH server for tests: Debian's /usr/sbin/sshd on 127.0.0.1 and a free high
 * port, with its own host key, config, pid file and authorized_keys in a temp dir (StrictModes
 * off, keys only, internal-sftp). Tests run as root, so clients log in as the current user.
 *
 *   const sshd = await startSshd();
 *   const key = await sshd.newClientKey("borg");
 *   await sshd.authorize([`command="borg serve --restrict-to-repository /x",restrict ${key.publicKey}`]);
 *   ... ssh -i key.privateKeyFile -o UserKnownHostsFile=sshd.knownHostsFile -p sshd.port ...
 *   await sshd.stop();
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freeLoopbackPort } from "./ports.ts";

export interface ClientKey {
  privateKeyFile: string;
  /** "ssh-ed25519 AAAA… comment" */
  publicKey: string;
}

export interface SshServer {
  host: "127.0.0.1";
  port: number;
  user: string;
  dir: string;
  /** A known_hosts file that pins this server's host key. */
  knownHostsFile: string;
  /** Every line sshd logged so far. */
  log: string[];
  newClientKey(name: string, passphrase?: string): Promise<ClientKey>;
  /** Replaces authorized_keys (sshd reads it on every login). */
  authorize(lines: string[]): Promise<void>;
  stop(): Promise<void>;
}

const SSHD = "/usr/sbin/sshd";

async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdin: "null" }).output();
  if (!out.success) {
    throw new Error(`${cmd} failed (${out.code}): ${new TextDecoder().decode(out.stderr)}`);
  }
}

function sshdConfig(dir: string, port: number): string {
  return [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${join(dir, "host_ed25519")}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    "StrictModes no",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    "UsePAM no",
    "Subsystem sftp internal-sftp",
    "LogLevel VERBOSE",
    "",
  ].join("\n");
}

export async function startSshd(): Promise<SshServer> {
  const dir = await mkdtemp(join(tmpdir(), "cairn-sshd-"));
  // sshd refuses to start without its privilege separation directory.
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_ed25519")]);
  await writeFile(join(dir, "authorized_keys"), "", { mode: 0o600 });
  for (let attempt = 0;; attempt++) {
    try {
      return await launch(dir, freeLoopbackPort());
    } catch (err) {
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

async function launch(dir: string, port: number): Promise<SshServer> {
  const config = join(dir, "sshd_config");
  await writeFile(config, sshdConfig(dir, port));
  const child = new Deno.Command(SSHD, {
    args: ["-D", "-e", "-f", config, "-p", String(port)],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const log: string[] = [];
  const ready = watchLog(child, log, `Server listening on 127.0.0.1 port ${port}`);
  const exited = child.status;
  const started = await Promise.race([ready.then(() => true), exited.then(() => false)]);
  if (!started) throw new Error(`sshd did not start:\n${log.join("\n")}`);
  const hostKey = (await readFile(join(dir, "host_ed25519.pub"), "utf8")).trim();
  const knownHostsFile = join(dir, "known_hosts");
  await writeFile(knownHostsFile, `[127.0.0.1]:${port} ${hostKey}\n`);
  return {
    host: "127.0.0.1",
    port,
    user: userInfo().username,
    dir,
    knownHostsFile,
    log,
    async newClientKey(name, passphrase = "") {
      const file = join(dir, `client_${name}`);
      await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f", file]);
      return { privateKeyFile: file, publicKey: (await readFile(`${file}.pub`, "utf8")).trim() };
    },
    async authorize(lines) {
      await writeFile(join(dir, "authorized_keys"), lines.join("\n") + "\n", { mode: 0o600 });
    },
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

function watchLog(child: Deno.ChildProcess, log: string[], marker: string): Promise<void> {
  let found: () => void = () => {};
  const ready = new Promise<void>((resolve) => (found = resolve));
  void (async () => {
    let rest = "";
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + text).split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) {
        log.push(line);
        if (line.includes(marker)) found();
      }
    }
  })();
  return ready;
}
