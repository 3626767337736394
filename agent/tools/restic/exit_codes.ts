/**
 * What restic's exit codes and error output mean, in one place. The table is what restic 0.14
 * was seen to return here (see testdata/): a wrong password, a missing repository and a locked
 * repository all exit 1 in 0.14; only newer restic (0.17+) has 10 (no repository), 11 (lock)
 * and 12 (wrong password), kept in the table so an upgrade reads right. 3 means the snapshot
 * was made but some source files could not be read: a warning, not a failure. 130 follows
 * SIGINT (restic removed its lock and stopped).
 *
 * "wrong password or no key found" is also what restic says when pointed at a borg repository;
 * the driver passes `facts.engine` when it can see the directory, to tell the two apart.
 */
import {
  diskFullRule,
  type FailureRule,
  firstMatch,
  fixed,
  sshRules,
} from "../common/failure_rules.ts";
import type { ExitMeaning, FailureExplanation } from "../common/result.ts";

export const RESTIC_EXIT_CODES: Record<number, ExitMeaning> = {
  0: { status: "ok", meaning: "success" },
  1: { status: "failed", meaning: "fatal error (0.14: also wrong password, no repository, lock)" },
  2: { status: "failed", meaning: "the Go runtime crashed" },
  3: { status: "warning", meaning: "snapshot made, but some source files could not be read" },
  10: { status: "failed", meaning: "repository does not exist (restic 0.17+)" },
  11: { status: "failed", meaning: "repository is locked (restic 0.17+)" },
  12: { status: "failed", meaning: "wrong password (restic 0.17+)" },
  130: { status: "failed", meaning: "interrupted (SIGINT)" },
};

export function resticExitMeaning(code: number | null): ExitMeaning {
  if (code === null) return { status: "failed", meaning: "killed by a signal" };
  return RESTIC_EXIT_CODES[code] ?? { status: "failed", meaning: `unknown exit code ${code}` };
}

export interface FailureInput {
  exitCode: number | null;
  /** The output lines (stdout and stderr), oldest first, as restic wrote them. */
  lines: string[];
  /** What the driver could see for itself: the engine of a local repository directory. */
  facts?: { engine?: "restic" | "borg" | "none" };
}

const APPEND_ONLY: FailureExplanation = {
  code: "append_only",
  message: "The repository server is append-only: it refuses to delete snapshots. " +
    "Run forget and prune on the server itself.",
};
const REPO_MISSING: FailureExplanation = {
  code: "repo_missing",
  message: "There is no restic repository at this location.",
};
const WRONG_PASSWORD: FailureExplanation = {
  code: "wrong_password",
  message: "The repository password is wrong (or this is not a restic repository).",
};

const RULES: FailureRule<string>[] = [
  {
    test: /repository is already locked (exclusively )?by PID (\d+) on (\S+) by (\S+)/,
    explain: (m, all) => {
      const since = /lock was created at ([\d-]+ [\d:]+)/.exec(all)?.[1];
      const who = `process ${m[2]} of ${m[4]} on ${m[3]}`;
      return {
        code: "locked",
        message: `The repository is locked by ${who}${since ? ` since ${since} UTC` : ""}.`,
      };
    },
  },
  fixed(/unexpected HTTP response \(401\)|401 Unauthorized/, {
    code: "wrong_password",
    message: "The REST server refused the username or password (HTTP 401).",
  }),
  fixed(
    /Remove\(<\w+\/[0-9a-f]+>\) returned error.*\b403\b|blob not removed.*\b403\b/,
    APPEND_ONLY,
  ),
  fixed(/\b403\b.*Forbidden|Forbidden \(403\)/, {
    code: "permission_denied",
    message: "The server refused access (HTTP 403).",
  }),
  fixed(/wrong password or no key found/, WRONG_PASSWORD),
  diskFullRule(),
  ...sshRules<string>(),
  fixed(
    /connection refused|no route to host|network is unreachable|i\/o timeout|Could not resolve hostname|no such host|Connection timed out|Connection closed by|connection reset|ssh command exited|unable to start the sftp session|server misbehaving/i,
    { code: "unreachable", message: "The repository's host or server could not be reached." },
  ),
  fixed(
    /Is there a repository at the following location\?|unable to open config file.*(no such file|does not exist|404)|\b404 Not Found/,
    REPO_MISSING,
  ),
  fixed(/permission denied|EACCES/i, {
    code: "permission_denied",
    message: "Permission denied while accessing the repository.",
  }),
];

/** The plain-words reason a restic run failed, from its exit code and output. */
export function explainFailure(input: FailureInput): FailureExplanation {
  if (input.facts?.engine === "borg") {
    return { code: "wrong_engine", message: "This is a borg repository, not a restic one." };
  }
  const all = input.lines.join("\n");
  const matched = firstMatch(RULES, { text: all, input: all });
  if (matched) return matched;
  if (input.exitCode === 10) return REPO_MISSING;
  if (input.exitCode === 11) return { code: "locked", message: "The repository is locked." };
  if (input.exitCode === 12) return WRONG_PASSWORD;
  const fatal = [...input.lines].reverse().find((l) => l.startsWith("Fatal: "));
  const detail = fatal?.slice("Fatal: ".length) ?? resticExitMeaning(input.exitCode).meaning;
  return { code: "unknown", message: `restic failed: ${detail}` };
}

/**
 * A line after which the run cannot succeed, although restic would keep retrying (for about
 * 40 s): a delete refused by an append-only server. The driver stops restic when it sees one.
 */
export function fatalLine(line: string): FailureExplanation | undefined {
  return /^Remove\(<\w+\/[0-9a-f]+>\) returned error, retrying after .*\b403\b/.test(line)
    ? APPEND_ONLY
    : undefined;
}
