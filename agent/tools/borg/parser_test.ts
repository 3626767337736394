import assert from "node:assert/strict";
import { loadCase, ofType, replay } from "../common/replay_test_utils.ts";
import type { BorgOperation } from "./args.ts";
import { borgTime } from "./events.ts";
import { createBorgParser } from "./parser.ts";
import { pruneDecision } from "./prune_list.ts";

const DATA = new URL("./testdata/", import.meta.url);
const run = <K extends BorgOperation>(op: K, name: string) =>
  replay(createBorgParser(op), loadCase(DATA, name));

Deno.test("borg create: archive_progress becomes progress, the --json document the summary", () => {
  const { events, result } = run("backup", "backup_progress");
  const withBytes = ofType(events, "progress").filter((p) => p.bytes !== undefined);
  assert.ok(withBytes.length >= 2, "several byte progress events");
  const bytes = withBytes.map((p) => p.bytes!);
  assert.deepEqual(bytes, [...bytes].sort((a, b) => a - b), "bytes never go back");
  assert.ok(withBytes.every((p) => p.percent === null), "borg create has no total");
  assert.ok(withBytes.some((p) => p.throughput! > 0), "throughput from borg's own times");
  assert.ok(withBytes.some((p) => /^srv\/capture\/borg\/src-big\//.test(p.currentFile ?? "")));
  const phases = ofType(events, "progress").filter((p) => p.phase);
  assert.ok(phases.some((p) => p.phase === "Initializing cache transaction: Reading files"));
  const [summary] = ofType(events, "summary");
  assert.equal(summary.archive, "host1-big");
  assert.equal(summary.stats.files, 96);
  assert.ok(summary.stats.bytes >= 96 * 1024 * 1024);
  assert.ok(summary.stats.bytesCompressed! > 0 && summary.stats.durationSeconds > 0);
  assert.equal(result!.archive.name, "host1-big");
  assert.match(result!.archive.id, /^[0-9a-f]{64}$/);
  assert.match(result!.archive.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  const listed = ofType(events, "log").filter((l) =>
    /^A \/srv\/capture\/borg\/src-big\//.test(l.text)
  );
  assert.equal(listed.length, 96, "--list gives one file_status per added file");
  assert.equal(ofType(events, "text").length, 0, "every line was understood");
});

Deno.test("borg create with an unreadable file: a warning with its path, and the archive", () => {
  const { events, result } = run("backup", "backup_unreadable");
  assert.deepEqual(ofType(events, "warning"), [{
    type: "warning",
    text: "/srv/capture/borg/partial/secret.txt: open: [Errno 13] Permission denied: 'secret.txt'",
    path: "/srv/capture/borg/partial/secret.txt",
  }]);
  assert.equal(result!.archive.name, "host1-partial");
});

Deno.test("borg list --json, info --json and list --json-lines", () => {
  const archives = run("snapshots", "snapshots").result!.archives;
  assert.deepEqual(archives.map((a) => a.name).slice(0, 3), [
    "host1-big",
    "host1-first",
    "host1-partial",
  ]);
  for (const a of archives) assert.match(a.time, /Z$/);
  const stats = run("stats", "stats").result!;
  assert.ok(stats.originalSize > 0 && stats.deduplicatedSize > 0 && stats.uniqueChunks > 0);
  assert.equal(
    stats.deduplicationRatio,
    Math.round((stats.originalSize / stats.deduplicatedSize) * 100) / 100,
  );
  const { events, result } = run("ls", "ls");
  const items = ofType(events, "item");
  assert.equal(result!.entries, items.length);
  assert.ok(
    items.some((i) => i.kind === "file" && i.path.endsWith("partial/readable.txt") && i.size === 9),
  );
});

Deno.test("borg prune --list: which archives are kept (and by which rule) and which go", () => {
  for (const name of ["prune_dry_run", "prune"]) {
    const { result } = run("prune", name);
    assert.deepEqual(result!.keep.map((a) => a.name), ["ret-5", "ret-4", "ret-2"], name);
    assert.deepEqual(result!.prune.map((a) => a.name).sort(), ["ret-0", "ret-1", "ret-3"], name);
  }
  const kept = pruneDecision(
    "Keeping archive (rule: daily #1):        web 1 (x)   Wed, 2024-01-03 12:00:00 [" +
      "a".repeat(64) + "]",
  );
  assert.deepEqual(kept, {
    keep: true,
    archive: { name: "web 1 (x)", id: "a".repeat(64), time: "2024-01-03T12:00:00.000Z" },
  });
  assert.equal(pruneDecision("Pruning archive (1/3): no date here"), undefined);
});

Deno.test("borg check, compact, extract and init report progress and results", () => {
  const check = run("check", "check");
  assert.deepEqual(check.result, { problemsFound: false });
  assert.ok(
    ofType(check.events, "progress").some((p) =>
      p.percent !== null && p.phase === "Checking segments"
    ),
  );
  assert.deepEqual(run("check", "check_verify").result, { problemsFound: false });
  assert.ok(
    ofType(run("compact", "compact").events, "log").some((l) => /compaction freed/.test(l.text)),
  );
  const restore = ofType(run("restore", "restore").events, "progress");
  assert.ok(restore.some((p) => p.percent! > 0), "extract reports a percentage");
  assert.equal(ofType(run("init", "init").events, "warning").length, 2, "borg init's two notices");
  assert.deepEqual(run("version", "version").result, { version: "1.2.4" });
});

Deno.test("borg errors carry their msgid; a traceback stays text", () => {
  assert.deepEqual(ofType(run("snapshots", "wrong_passphrase").events, "error").map((e) => e.id), [
    "PassphraseWrong",
  ]);
  assert.deepEqual(ofType(run("snapshots", "repo_missing").events, "error").map((e) => e.id), [
    "Repository.DoesNotExist",
  ]);
  assert.deepEqual(ofType(run("backup", "locked").events, "error").map((e) => e.id), [
    "LockTimeout",
  ]);
  const engine = run("snapshots", "wrong_engine");
  assert.ok(ofType(engine.events, "text").some((t) => t.text.startsWith("Traceback")));
  assert.equal(engine.result, undefined);
  const cancel = run("backup", "cancel_sigint");
  assert.deepEqual(ofType(cancel.events, "error").map((e) => e.text), ["Got Ctrl-C / SIGINT."]);
  assert.equal(cancel.result, undefined, "no archive was made");
});

Deno.test("borg times without a zone are read as UTC (borg runs with TZ=UTC)", () => {
  assert.equal(borgTime("2024-01-01T10:00:00.000000"), "2024-01-01T10:00:00.000Z");
  assert.equal(borgTime("2024-01-01T10:00:00+02:00"), "2024-01-01T08:00:00.000Z");
  assert.equal(borgTime("not a time"), "not a time");
});

Deno.test("lines borg never wrote are text, never an exception", () => {
  const parser = createBorgParser("backup");
  const odd = [
    '{"type": "log_message"}',
    '{"type": "archive_progress", "time": "soon"}',
    '{"type": "something_new", "x": 1}',
    "Remote: ssh: connect to host h port 22: Connection refused",
    "{ not json",
  ];
  const events = odd.flatMap((l) => parser.push("stderr", l));
  assert.equal(events.length, 5);
  assert.ok(events.every((e) => e.type === "text"));
  assert.deepEqual(
    parser.push("stdout", "}"),
    [],
    "an unbalanced stdout document is held, not parsed",
  );
  assert.equal(parser.finish(), undefined);
});
