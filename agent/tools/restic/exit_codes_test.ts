import assert from "node:assert/strict";
import { loadCase, loadManifest } from "../common/replay_test_utils.ts";
import { explainFailure, fatalLine, resticExitMeaning } from "./exit_codes.ts";

const DATA = new URL("./testdata/", import.meta.url);
const manifest = loadManifest(DATA);
const explain = (name: string, facts?: { engine?: "restic" | "borg" | "none" }) =>
  explainFailure({
    exitCode: manifest[name].exitCode,
    lines: loadCase(DATA, name).map((l) => l.line),
    facts,
  });

Deno.test("every captured restic exit code maps to the status the case shows", () => {
  const expected: Record<string, string> = {
    backup_unreadable: "warning",
    cancel_sigint: "failed",
    locked: "failed",
    repo_missing: "failed",
    rest_append_only_forget: "failed",
    rest_unauthorized: "failed",
    wrong_engine: "failed",
    wrong_password: "failed",
  };
  for (const [name, meta] of Object.entries(manifest)) {
    assert.equal(resticExitMeaning(meta.exitCode).status, expected[name] ?? "ok", name);
  }
  assert.equal(manifest.backup_unreadable.exitCode, 3);
  assert.equal(manifest.cancel_sigint.exitCode, 130);
  for (const name of ["wrong_password", "repo_missing", "locked"]) {
    assert.equal(manifest[name].exitCode, 1, `restic 0.14 exits 1 for ${name}`);
  }
});

Deno.test("restic failures are explained from what restic printed", () => {
  assert.equal(explain("wrong_password").code, "wrong_password");
  assert.deepEqual(explain("repo_missing"), {
    code: "repo_missing",
    message: "There is no restic repository at this location.",
  });
  assert.equal(explain("rest_unauthorized").code, "wrong_password");
  assert.match(
    explain("rest_unauthorized").message,
    /REST server refused the username or password/,
  );
  assert.deepEqual(explain("rest_append_only_forget"), {
    code: "append_only",
    message: "The repository server is append-only: it refuses to delete snapshots. " +
      "Run forget and prune on the server itself.",
  });
});

Deno.test("a lock names its holder and since when", () => {
  const f = explain("locked");
  assert.equal(f.code, "locked");
  assert.match(
    f.message,
    /^The repository is locked by process \d+ of root on host1 since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.$/,
  );
});

Deno.test("a borg repository reads as a wrong password unless the driver saw the directory", () => {
  assert.equal(explain("wrong_engine").code, "wrong_password");
  assert.deepEqual(explain("wrong_engine", { engine: "borg" }), {
    code: "wrong_engine",
    message: "This is a borg repository, not a restic one.",
  });
});

Deno.test("ssh, network and disk failures (lines as restic and ssh print them)", () => {
  const cases: Array<[string[], string]> = [
    [[
      "subprocess ssh: No ED25519 host key is known for [127.0.0.1]:41083 and you have requested strict checking.",
      "subprocess ssh: Host key verification failed.",
      "Fatal: unable to open repository at sftp:root@127.0.0.1:/r: unable to start the sftp session, error: EOF",
    ], "unreachable"],
    [["subprocess ssh: root@127.0.0.1: Permission denied (publickey)."], "permission_denied"],
    [[
      'Fatal: unable to open config file: Head "http://127.0.0.1:1/x/config": dial tcp 127.0.0.1:1: connect: connection refused',
      "Is there a repository at the following location?",
    ], "unreachable"],
    [["Fatal: unable to save snapshot: write /r/data/ab/cd: no space left on device"], "disk_full"],
    [
      ["Fatal: create repository at /root-only/r failed: mkdir /root-only/r: permission denied"],
      "permission_denied",
    ],
    [["Fatal: something nobody has seen before"], "unknown"],
  ];
  for (const [lines, code] of cases) {
    assert.equal(explainFailure({ exitCode: 1, lines }).code, code, lines.join(" | "));
  }
  assert.equal(
    explainFailure({ exitCode: 1, lines: ["Fatal: something nobody has seen before"] }).message,
    "restic failed: something nobody has seen before",
  );
});

Deno.test("newer restic's own codes are read when the output says nothing known", () => {
  assert.equal(explainFailure({ exitCode: 10, lines: [] }).code, "repo_missing");
  assert.equal(explainFailure({ exitCode: 11, lines: [] }).code, "locked");
  assert.equal(explainFailure({ exitCode: 12, lines: [] }).code, "wrong_password");
});

Deno.test("the first refused delete stops restic's 40-second retry loop", () => {
  const [first] = loadCase(DATA, "rest_append_only_forget");
  assert.equal(fatalLine(first.line)?.code, "append_only");
  assert.equal(
    fatalLine("Load(<lock/1b07c1859d>, 0, 0) returned error, retrying after 552ms: EOF"),
    undefined,
  );
});
