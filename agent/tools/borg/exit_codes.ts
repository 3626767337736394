/**
 * What borg 1.2's exit codes and log lines mean, in one place. borg 1.2 has three codes:
 * 0 success, 1 warning (e.g. a file could not be read: the archive is made without it),
 * 2 error; 128+N means it was ended by signal N. The reason for an error is in its log
 * lines, mostly with a stable msgid (PassphraseWrong, Repository.DoesNotExist, LockTimeout).
 *
 * borg names no lock holder in its error; the driver passes `facts.lockHolders` read from a
 * local repository's lock.roster. borg pointed at a restic repository fails on reading its
 * config file (a UnicodeDecodeError traceback), which is recognised as the wrong engine.
 */
import type { BorgLockHolder } from "../common/repo_probe.ts";
import {
  diskFullRule,
  type FailureRule,
  firstMatch,
  fixed,
  sshRules,
} from "../common/failure_rules.ts";
import type { ExitMeaning, FailureExplanation } from "../common/result.ts";

export const BORG_EXIT_CODES: Record<number, ExitMeaning> = {
  0: { status: "ok", meaning: "success" },
  1: { status: "warning", meaning: "finished with warnings" },
  2: { status: "failed", meaning: "error" },
};

export function borgExitMeaning(code: number | null): ExitMeaning {
  if (code === null) return { status: "failed", meaning: "killed by a signal" };
  if (code >= 128) return { status: "failed", meaning: `ended by signal ${code - 128}` };
  return BORG_EXIT_CODES[code] ?? { status: "failed", meaning: `unknown exit code ${code}` };
}

export interface FailureInput {
  exitCode: number | null;
  /** The output lines (stdout and stderr), oldest first, as borg wrote them. */
  lines: string[];
  facts?: { lockHolders?: BorgLockHolder[]; engine?: "restic" | "borg" | "none" };
}

const RULES: FailureRule<FailureInput>[] = [
  fixed(/"msgid":\s*"PassphraseWrong"|passphrase supplied in BORG_PASSPHRASE.*is incorrect/, {
    code: "wrong_password",
    message: "The repository passphrase is wrong.",
  }),
  fixed(/"msgid":\s*"Repository\.DoesNotExist"|Repository .* does not exist\./, {
    code: "repo_missing",
    message: "There is no borg repository at this location.",
  }),
  {
    test: /"msgid":\s*"(LockTimeout|LockFailed|LockError)"|Failed to create\/acquire the lock/,
    explain: (_m, input) => ({ code: "locked", message: lockMessage(input.facts?.lockHolders) }),
  },
  {
    test:
      /"msgid":\s*"Repository\.InvalidRepository(Config)?"|is not a valid repository|self\.config\.read_file|UnicodeDecodeError/,
    explain: (_m, input) => ({
      code: "wrong_engine",
      message: input.facts?.engine === "restic"
        ? "This is a restic repository, not a borg one."
        : "This is not a borg repository (it may belong to restic or another tool).",
    }),
  },
  diskFullRule(),
  fixed(/"msgid":\s*"PathNotAllowed"|Repository path not allowed/, {
    code: "permission_denied",
    message:
      "The server lets this key use only another repository path (borg serve --restrict-to-…).",
  }),
  ...sshRules<FailureInput>(),
  fixed(
    /Connection refused|No route to host|Network is unreachable|Could not resolve hostname|Connection timed out|"msgid":\s*"ConnectionClosed(WithHint)?"|Connection closed by remote host|Name or service not known/,
    { code: "unreachable", message: "The repository's host or server could not be reached." },
  ),
  fixed(/\[Errno 13\] Permission denied|PermissionError|Permission denied/, {
    code: "permission_denied",
    message: "Permission denied while accessing the repository.",
  }),
];

function lockMessage(holders: BorgLockHolder[] | undefined): string {
  const h = holders?.find((x) => x.exclusive) ?? holders?.[0];
  if (!h) return "The repository is locked by another borg process.";
  return `The repository is locked by process ${h.pid} on ${h.host}.`;
}

/** The plain-words reason a borg run failed, from its exit code and output. */
export function explainFailure(input: FailureInput): FailureExplanation {
  const matched = firstMatch(RULES, { text: input.lines.join("\n"), input });
  if (matched) return matched;
  return {
    code: "unknown",
    message: `borg failed: ${lastError(input.lines) ?? borgExitMeaning(input.exitCode).meaning}`,
  };
}

/** The message of the last ERROR log line, if any. */
function lastError(lines: string[]): string | undefined {
  for (const line of [...lines].reverse()) {
    if (!/"levelname":\s*"(ERROR|CRITICAL)"/.test(line)) continue;
    try {
      const message = (JSON.parse(line) as { message?: string }).message;
      if (message && !message.startsWith("Traceback")) return message.split("\n")[0];
    } catch {
      continue; // a line that only looks like a log line: keep looking further back
    }
  }
  return undefined;
}
