import assert from "node:assert/strict";
import { loadCase, ofType, replay } from "../common/replay_test_utils.ts";
import type { ResticOperation } from "./args.ts";
import { createResticParser } from "./parser.ts";

const DATA = new URL("./testdata/", import.meta.url);
const run = <K extends ResticOperation>(op: K, name: string) =>
  replay(createResticParser(op), loadCase(DATA, name));

Deno.test("restic backup: status lines become progress, the summary the result", () => {
  const { events, result } = run("backup", "backup_progress");
  const progress = ofType(events, "progress");
  assert.ok(progress.length >= 2, "several progress events");
  const mid = progress.find((p) => p.percent! > 0 && p.percent! < 100);
  assert.ok(mid, "a progress event mid-way");
  assert.equal(mid.totalFiles, 96);
  assert.equal(mid.totalBytes, 96 * 1024 * 1024);
  assert.ok(mid.files! > 0 && mid.bytes! > 0);
  assert.match(mid.currentFile!, /^\/srv\/capture\/restic\/src-big\/d\d{4}\/f\d{6}\.bin$/);
  const percents = progress.map((p) => p.percent!);
  assert.deepEqual(percents, [...percents].sort((a, b) => a - b), "percent never goes back");
  const [summary] = ofType(events, "summary");
  assert.match(summary.snapshotId!, /^[0-9a-f]{8}$/);
  assert.equal(summary.stats.files, 96);
  assert.equal(summary.stats.bytes, 96 * 1024 * 1024);
  assert.ok(summary.stats.bytesAdded >= summary.stats.bytes, "random data does not shrink");
  assert.deepEqual(result, {
    snapshotId: summary.snapshotId,
    stats: summary.stats,
    unreadableFiles: 0,
  });
  assert.equal(ofType(events, "text").length, 0, "every line was understood");
});

Deno.test("restic backup: throughput comes from restic's own elapsed seconds", () => {
  const { events } = run("backup", "backup_limited");
  const timed = ofType(events, "progress").filter((p) => p.throughput !== undefined);
  assert.ok(timed.length > 0);
  for (const p of timed) assert.ok(p.throughput! > 0);
});

Deno.test("restic backup with an unreadable file: warnings with paths, exit-3 result", () => {
  const { events, result } = run("backup", "backup_unreadable");
  const warnings = ofType(events, "warning");
  assert.deepEqual(warnings.map((w) => w.path), [
    "/srv/capture/restic/missing",
    "/srv/capture/restic/partial/secret.txt",
    undefined,
  ]);
  assert.equal(warnings[1].text, "/srv/capture/restic/partial/secret.txt: open: permission denied");
  assert.equal(warnings[2].text, "at least one source file could not be read");
  assert.equal(result?.unreadableFiles, 1);
  assert.match(result!.snapshotId!, /^[0-9a-f]{8}$/, "the snapshot was still made");
});

Deno.test("restic snapshots --json becomes typed snapshots", () => {
  const { result } = run("snapshots", "snapshots");
  assert.ok(result!.snapshots.length >= 2);
  for (const s of result!.snapshots) {
    assert.match(s.id, /^[0-9a-f]{64}$/);
    assert.equal(s.shortId, s.id.slice(0, 8));
    assert.ok(!Number.isNaN(Date.parse(s.time)));
    assert.ok(Array.isArray(s.tags));
  }
  assert.deepEqual(result!.snapshots[0].tags, ["cairn"]);
  assert.equal(result!.snapshots[0].hostname, "host1");
});

Deno.test("restic ls --json streams one item per node after the snapshot line", () => {
  const { events, result } = run("ls", "ls");
  const items = ofType(events, "item");
  assert.equal(result!.entries, items.length);
  assert.match(result!.snapshotId!, /^[0-9a-f]{64}$/);
  assert.ok(items.some((i) => i.kind === "dir"));
  const files = items.filter((i) => i.kind === "file");
  assert.equal(files.length, 24);
  for (const f of files) assert.equal(f.size, 256 * 1024);
});

Deno.test("restic stats --json in both modes", () => {
  assert.deepEqual(Object.keys(run("stats", "stats").result!).sort(), [
    "blobCount",
    "snapshotCount",
    "totalFileCount",
    "totalSize",
  ]);
  const raw = run("stats", "stats_raw").result!;
  assert.ok(raw.totalSize > 100 * 1024 * 1024 && raw.blobCount! > 0);
});

Deno.test("restic forget --json: which snapshots each group keeps and removes", () => {
  const { result } = run("forget", "forget_dry_run");
  assert.equal(result!.groups.length, 1);
  assert.equal(result!.keep.length, 2, "keep-last 1 and keep-daily 2 over 4 days keep 2");
  assert.equal(result!.remove.length, 4);
  assert.equal(new Set([...result!.keep, ...result!.remove]).size, 6);
});

Deno.test("restic forget --prune: the JSON result, then prune's prose as text and progress", () => {
  const { events, result } = run("forget", "forget_prune");
  assert.equal(result!.remove.length, 4);
  assert.ok(
    ofType(events, "progress").some((p) => p.percent === 100 && /snapshots$/.test(p.phase!)),
  );
  assert.ok(ofType(events, "text").some((t) => t.text === "done"));
});

Deno.test("restic check, init and version have their results in prose", () => {
  assert.deepEqual(run("check", "check").result, { errorsFound: false });
  assert.deepEqual(run("check", "check_subset").result, { errorsFound: false });
  assert.match(run("init", "init").result!.repositoryId!, /^[0-9a-f]{10}$/);
  assert.deepEqual(run("version", "version").result, { version: "0.14.0" });
});

Deno.test("restic failures surface as error events", () => {
  assert.deepEqual(ofType(run("snapshots", "wrong_password").events, "error"), [
    { type: "error", text: "wrong password or no key found" },
  ]);
  assert.match(ofType(run("check", "locked").events, "error")[0].text, /already locked by PID \d+/);
  assert.match(ofType(run("snapshots", "rest_unauthorized").events, "error")[0].text, /\(401\)/);
  const cancel = run("backup", "cancel_sigint").events;
  assert.ok(ofType(cancel, "log").some((l) => l.text === "signal interrupt received, cleaning up"));
});

Deno.test("lines restic never wrote are text, never an exception", () => {
  const parser = createResticParser("backup");
  const odd = [
    "",
    "{",
    '{"message_type":"status"}',
    '{"message_type":"summary","snapshot_id":42}',
    '{"message_type":"brand_new","x":1}',
    "[1,2,3",
    "panic: runtime error: index out of range",
    "\u001b[2K\u001b[1A",
  ];
  const events = odd.flatMap((l) => parser.push("stdout", l));
  assert.equal(events.length, 6);
  assert.ok(events.every((e) => e.type === "text"));
  assert.equal(parser.finish(), undefined);
});
