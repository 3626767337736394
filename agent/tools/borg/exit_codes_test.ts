import assert from "node:assert/strict";
import { loadCase, loadManifest } from "../common/replay_test_utils.ts";
import { borgExitMeaning, explainFailure, type FailureInput } from "./exit_codes.ts";

const DATA = new URL("./testdata/", import.meta.url);
const manifest = loadManifest(DATA);
const explain = (name: string, facts?: FailureInput["facts"]) =>
  explainFailure({
    exitCode: manifest[name].exitCode,
    lines: loadCase(DATA, name).map((l) => l.line),
    facts,
  });

Deno.test("every captured borg exit code maps to the status the case shows", () => {
  const expected: Record<string, string> = {
    backup_unreadable: "warning",
    cancel_sigint: "failed",
    locked: "failed",
    repo_missing: "failed",
    wrong_engine: "failed",
    wrong_passphrase: "failed",
  };
  for (const [name, meta] of Object.entries(manifest)) {
    assert.equal(borgExitMeaning(meta.exitCode).status, expected[name] ?? "ok", name);
  }
  assert.equal(borgExitMeaning(143).meaning, "ended by signal 15");
  assert.equal(borgExitMeaning(null).status, "failed");
});

Deno.test("borg failures are explained from their msgid and messages", () => {
  assert.deepEqual(explain("wrong_passphrase"), {
    code: "wrong_password",
    message: "The repository passphrase is wrong.",
  });
  assert.equal(explain("repo_missing").code, "repo_missing");
  assert.deepEqual(explain("locked"), {
    code: "locked",
    message: "The repository is locked by another borg process.",
  });
  assert.deepEqual(
    explain("locked", { lockHolders: [{ host: "host1", pid: 4242, exclusive: true }] }),
    {
      code: "locked",
      message: "The repository is locked by process 4242 on host1.",
    },
  );
});

Deno.test("borg pointed at a restic repository is the wrong engine", () => {
  assert.equal(explain("wrong_engine").code, "wrong_engine");
  assert.equal(
    explain("wrong_engine", { engine: "restic" }).message,
    "This is a restic repository, not a borg one.",
  );
});

Deno.test("ssh, restriction, network and disk failures (lines as borg and ssh print them)", () => {
  const log = (message: string, msgid?: string) =>
    JSON.stringify({
      type: "log_message",
      message,
      levelname: "ERROR",
      name: "borg.archiver",
      msgid,
    });
  const cases: Array<[string[], string]> = [
    [[log("Repository path not allowed: /srv/other", "PathNotAllowed")], "permission_denied"],
    [[
      "root@127.0.0.1: Permission denied (publickey).",
      log("Connection closed by remote host", "ConnectionClosed"),
    ], "permission_denied"],
    [[
      "ssh: connect to host 127.0.0.1 port 1: Connection refused",
      log("Connection closed by remote host", "ConnectionClosed"),
    ], "unreachable"],
    [
      [
        "Host key verification failed.",
        log("Connection closed by remote host", "ConnectionClosed"),
      ],
      "unreachable",
    ],
    [
      [log(
        "Insufficient free space to complete transaction (required: 1 GB, available: 2 MB).",
        "Repository.InsufficientFreeSpaceError",
      )],
      "disk_full",
    ],
    [[log("Something new went wrong", "Whatever")], "unknown"],
  ];
  for (const [lines, code] of cases) {
    assert.equal(explainFailure({ exitCode: 2, lines }).code, code, lines.join(" | "));
  }
  assert.equal(
    explainFailure({ exitCode: 2, lines: [log("Something new went wrong")] }).message,
    "borg failed: Something new went wrong",
  );
});
