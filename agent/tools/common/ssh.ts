/**
 * How the drivers reach a repository over SSH: restic through `-o sftp.command=...`, borg
 * through BORG_RSH. Both tools split that string shell-style, so paths are quoted. The
 * options never prompt (BatchMode), pin the host key to a known_hosts file when one is given,
 * and notice a dead link within a minute instead of hanging.
 *
 * A passphrase-protected key is unlocked through SSH_ASKPASS: ssh runs the askpass program,
 * which prints the passphrase from the environment, so it never sits in a file or argument.
 */
import { quoteArg } from "./redact.ts";

export interface SshOptions {
  /** Private key file (mode 0600). */
  keyFile?: string;
  /** known_hosts file holding the server's host key; without it the user's default is used. */
  knownHostsFile?: string;
  /** "yes" (default) refuses unknown hosts; "accept-new" trusts the first key it sees. */
  strictHostKeyChecking?: "yes" | "accept-new";
  connectTimeoutSeconds?: number;
  /** The key's passphrase, with the askpass program that prints $CAIRN_SSH_PASSPHRASE. */
  keyPassphrase?: { passphrase: string; askpassProgram: string };
  /** Extra `-o Name=value` options, passed as given. */
  extraOptions?: string[];
}

export interface SshEndpoint {
  user: string;
  host: string;
  port?: number;
}

export const ASKPASS_ENV = "CAIRN_SSH_PASSPHRASE";

/** The askpass program's text: the caller writes it once (mode 0700); it holds no secret. */
export const ASKPASS_SCRIPT = `#!/bin/sh\nprintf '%s\\n' "$${ASKPASS_ENV}"\n`;

/** The ssh arguments that carry options only (no host, no port): what borg's BORG_RSH wants. */
export function sshOptionArgs(ssh: SshOptions = {}): string[] {
  const args: string[] = [];
  if (ssh.keyFile) args.push("-i", ssh.keyFile, "-o", "IdentitiesOnly=yes");
  if (ssh.knownHostsFile) args.push("-o", `UserKnownHostsFile=${ssh.knownHostsFile}`);
  args.push("-o", `StrictHostKeyChecking=${ssh.strictHostKeyChecking ?? "yes"}`);
  if (!ssh.keyPassphrase) args.push("-o", "BatchMode=yes");
  else args.push("-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no");
  args.push("-o", `ConnectTimeout=${ssh.connectTimeoutSeconds ?? 15}`);
  args.push("-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4");
  for (const o of ssh.extraOptions ?? []) args.push("-o", o);
  return args;
}

/** The environment ssh needs for a passphrase-protected key (empty otherwise). */
export function sshEnv(ssh: SshOptions = {}): Record<string, string> {
  if (!ssh.keyPassphrase) return {};
  return {
    SSH_ASKPASS: ssh.keyPassphrase.askpassProgram,
    SSH_ASKPASS_REQUIRE: "force",
    [ASKPASS_ENV]: ssh.keyPassphrase.passphrase,
  };
}

/** ssh's arguments to reach the host's sftp subsystem (what restic's sftp backend runs). */
export function sftpArgs(endpoint: SshEndpoint, ssh: SshOptions = {}): string[] {
  const args = sshOptionArgs(ssh);
  if (endpoint.port) args.push("-p", String(endpoint.port));
  args.push(`${endpoint.user}@${endpoint.host}`, "-s", "sftp");
  return args;
}

/** The full command restic's sftp backend runs, as one string for `-o sftp.command=`. */
export function sftpCommand(endpoint: SshEndpoint, ssh: SshOptions = {}): string {
  return ["ssh", ...sftpArgs(endpoint, ssh)].map(quoteArg).join(" ");
}

/** BORG_RSH: ssh and its options; borg adds the port, user@host and `borg serve`. */
export function borgRsh(ssh: SshOptions = {}): string {
  return ["ssh", ...sshOptionArgs(ssh)].map(quoteArg).join(" ");
}
