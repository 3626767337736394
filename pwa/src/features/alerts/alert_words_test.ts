import assert from "node:assert/strict";
import type { AlertView } from "../../../../server/contract/alerts.ts";
import { byUrgency, causeLabel, codeSpans, needingAttention, safeLink } from "./alert_words.ts";

const alert = (p: Partial<AlertView>): AlertView => ({
  id: "alr_1",
  rule: "job_failed",
  subject: "hst_1/pln_1",
  severity: "warning",
  state: "open",
  title: "Backup failed on web-1",
  message: "Plan nightly: the repository is locked",
  hostId: "hst_1",
  hostName: "web-1",
  planId: "pln_1",
  planName: "nightly",
  repositoryId: null,
  jobId: "job_1",
  link: "/jobs/job_1",
  openedAt: "2026-11-23T08:00:00.000Z",
  lastSeenAt: "2026-11-23T08:00:00.000Z",
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  count: 1,
  ...p,
});

Deno.test("critical comes first, then the newest within a severity; resolved ones drop out", () => {
  const list = [
    alert({ id: "a", severity: "info" }),
    alert({ id: "b", severity: "warning", openedAt: "2026-11-23T07:00:00.000Z" }),
    alert({ id: "c", severity: "critical" }),
    alert({ id: "d", severity: "warning" }),
    alert({ id: "e", severity: "critical", state: "resolved" }),
    alert({
      id: "f",
      severity: "warning",
      state: "acknowledged",
      openedAt: "2026-11-22T00:00:00Z",
    }),
  ];
  assert.deepEqual(needingAttention(list).map((a) => a.id), ["c", "d", "b", "f", "a"]);
  assert.deepEqual([...list].sort(byUrgency).map((a) => a.id)[0], "c");
});

Deno.test("the cause link is named by where it goes, and only app paths are followed", () => {
  assert.equal(causeLabel(alert({})), "Open the job");
  assert.equal(causeLabel(alert({ link: "/hosts/hst_1" })), "Open the host");
  assert.equal(
    causeLabel(alert({ link: "/hosts/hst_1/snapshots/rep_1/abc/diff?against=def" })),
    "See what changed",
  );
  assert.equal(safeLink("/jobs/job_1"), "/jobs/job_1");
  assert.equal(safeLink("//evil.example/x"), null);
  assert.equal(safeLink("javascript:alert(1)"), null);
  assert.equal(safeLink("https://evil.example"), null);
});

Deno.test("a rule's description shows its figure names as code", () => {
  assert.deepEqual(codeSpans("older than `hours` (from the last look)"), [
    { code: false, text: "older than " },
    { code: true, text: "hours" },
    { code: false, text: " (from the last look)" },
  ]);
  assert.deepEqual(codeSpans("plain"), [{ code: false, text: "plain" }]);
});
