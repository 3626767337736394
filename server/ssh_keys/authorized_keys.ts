/**
 * The authorized_keys line a user pastes on the SSH server for a key, restricted as far as the
 * repository allows: `restrict` takes away forwarding, the agent, X11 and the pty; a forced
 * command keeps the key to the one thing Cairn does with it.
 *
 * - borg over ssh: `borg serve --restrict-to-repository <path>` (plus `--append-only` when
 *   asked), as borg's deployment docs show; a "~/x" path stays as written, so the server's
 *   shell expands it in the user's home.
 * - restic over sftp: `command="internal-sftp"`. sshd runs its built-in SFTP server for the
 *   forced command whether or not the user is chrooted, and answers anything but an sftp
 *   subsystem request with "This service allows sftp connections only" (tested against
 *   OpenSSH 9.2 in test/ssh_keys_sshd_test.ts). It does not depend on where the server's
 *   sftp-server binary lives, which differs between distributions.
 */
import type { AuthorizedKeysView } from "../contract/backups.ts";
import type { Engine, RepositoryLocation } from "../contract/jobs.ts";

export interface AuthorizedKeysFor {
  engine: Engine;
  location: RepositoryLocation;
  name: string;
}

/** A word for the server's shell: plain when safe, else single-quoted (a leading ~/ stays out). */
function shellWord(path: string): string {
  if (/^[\w@%+=:,./~-]+$/.test(path)) return path;
  const home = path.startsWith("~/") ? "~/" : "";
  const rest = path.slice(home.length);
  return `${home}'${rest.replaceAll("'", `'\\''`)}'`;
}

/** Inside command="…", a double quote and a backslash need a backslash. */
const optionQuoted = (command: string) => command.replace(/["\\]/g, "\\$&");

export function authorizedKeysLine(
  publicKey: string,
  repository: AuthorizedKeysFor | null,
  appendOnly: boolean,
): AuthorizedKeysView {
  const loc = repository?.location;
  if (!repository || !loc) {
    return {
      line: `restrict ${publicKey}`,
      explanation: "The key may log in but gets no forwarding, agent or terminal. Pick a " +
        "repository to get a line that also forces the one command Cairn runs with it.",
    };
  }
  if (repository.engine === "borg" && loc.kind === "ssh") {
    const borg = loc.remotePath ?? "borg";
    const command = `${borg} serve --restrict-to-repository ${shellWord(loc.path)}` +
      (appendOnly ? " --append-only" : "");
    return {
      line: `command="${optionQuoted(command)}",restrict ${publicKey}`,
      explanation: `Add this line to ~/.ssh/authorized_keys of ${loc.user} on ${loc.host}. ` +
        `The key can then only run borg serve on ${loc.path}` +
        (appendOnly
          ? "; append-only means deletes and prunes through this key are recorded but can be " +
            "undone on the server, not refused."
          : "."),
    };
  }
  if (repository.engine === "restic" && loc.kind === "sftp") {
    return {
      line: `command="internal-sftp",restrict ${publicKey}`,
      explanation: `Add this line to ~/.ssh/authorized_keys of ${loc.user} on ${loc.host}. ` +
        "The key can then only use SFTP (OpenSSH's built-in server); a shell or any other " +
        "command is refused. The key can read and write everything that user can over SFTP; " +
        "to keep it to the repository, give it a user of its own, or chroot that user with " +
        "ChrootDirectory and ForceCommand internal-sftp in sshd_config." +
        (appendOnly ? " SFTP cannot be made append-only: use a REST server for that." : ""),
    };
  }
  return {
    line: `restrict ${publicKey}`,
    explanation: `The repository ${repository.name} is not reached over SSH, so no command ` +
      "is forced; the key gets no forwarding, agent or terminal.",
  };
}
