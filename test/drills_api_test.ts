/**
 * The drills API in process, with agents speaking the real protocol and the real snapshot index
 * on the same libSQL file: bad input refused with 400/404/409 and nothing started; the sample
 * picked from the index with the snapshot's sizes and mtimes, the plan's canary among them; the
 * figures recorded when the agent reports, a failed drill in the audit log as `drill.failed`,
 * and the host's "last verified restore".
 */
import assert from "node:assert/strict";
import type { DrillsListView, LastVerifiedView } from "../server/contract/drills.ts";
import type { Entry } from "../server/snapshot_index/entry.ts";
import { createSnapshotIndexRepo } from "../server/snapshot_index/repo.ts";
import { createSnapshotIndexService } from "../server/snapshot_index/service.ts";
import { approvedHost, finished, insertRepository, jobsContext, specsIn } from "./jobs_fixture.ts";

const INDEXED = "a1b2c3d4".padEnd(64, "1");
const BARE = "e5f6a7b8".padEnd(64, "2");
const MTIME = 1_700_000_000_000;

const entry = (path: string, type: Entry["type"], size = 0): Entry => ({
  path,
  type,
  size,
  mtime: MTIME + size,
  mode: type === "dir" ? 0o755 : 0o644,
  linkTarget: type === "symlink" ? "/etc/hosts" : null,
  uid: 0,
  gid: 0,
  user: "root",
  group: "root",
});

const TREE: Entry[] = [
  entry("/srv", "dir"),
  entry("/srv/app", "dir"),
  ...Array.from({ length: 12 }, (_, i) => entry(`/srv/app/f${i}.txt`, "file", 100 + i)),
  entry("/srv/app/link", "symlink"),
  entry("/srv/empty", "dir"),
  entry("/srv/.cairn-canary", "file", 7),
];

async function setUp() {
  const c = await jobsContext();
  const web1 = await approvedHost(c.t, c.admin, { name: "web1" });
  const bare = await approvedHost(c.t, c.admin, { name: "bare" });
  await c.t.db.updateTable("hosts").set({
    facts: JSON.stringify({ resticVersion: null, borgVersion: null }),
  }).where("id", "=", bare.hostId).execute();
  const repositoryId = await insertRepository(c.t, { name: "main" });
  const planId = "pln_01jaaaaaaaaaaaaaaaaaaaaaaa";
  await c.t.db.insertInto("plans").values({
    id: planId,
    name: "app",
    repository_id: repositoryId,
    target_host_id: web1.hostId,
    target_tag: null,
    sources: JSON.stringify(["/srv/app", "/srv/.cairn-canary"]),
    excludes: "[]",
    exclude_if_present: "[]",
    one_file_system: 0,
    compression: null,
    tags: "[]",
    limits: "{}",
    retention: "{}",
    hooks_sealed: null,
    enabled: 1,
    created_by: "test",
    created_at: 1,
    updated_at: 1,
  }).execute();
  for (const [id, time] of [[INDEXED, 2], [BARE, 1]] as const) {
    await c.t.db.insertInto("snapshots").values({
      repository_id: repositoryId,
      snapshot_id: id,
      short_id: id.slice(0, 8),
      time: MTIME + time,
      hostname: "web1",
      host_id: web1.hostId,
      plan_id: planId,
      paths: JSON.stringify(["/srv/app", "/srv/.cairn-canary"]),
      tags: "[]",
      size_bytes: null,
      file_count: null,
      refresh_id: "job_0",
    }).execute();
  }
  const index = createSnapshotIndexService({
    repo: createSnapshotIndexRepo(c.t.db),
    clock: c.t.clock,
  });
  await index.ingestSnapshot({
    snapshot: {
      id: `${repositoryId}/${INDEXED}`,
      hostId: web1.hostId,
      repositoryId,
      tool: "restic",
      toolSnapshotId: INDEXED,
      time: MTIME + 2,
    },
    entries: TREE,
  });
  const counts = async () => ({
    jobs: (await c.t.db.selectFrom("jobs").select("id").execute()).length,
    drills: (await c.t.db.selectFrom("drills").select("job_id").execute()).length,
  });
  return { ...c, web1, bare, repositoryId, planId, counts };
}

Deno.test("drills API: bad input is refused with the reason and nothing starts", async () => {
  const s = await setUp();
  try {
    const base = { hostId: s.web1.hostId, repositoryId: s.repositoryId };
    const nobody = "hst_01jzzzzzzzzzzzzzzzzzzzzzzz";
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ hostId: s.web1.hostId }, 400, "bad_request"],
      [{ ...base, sampleSize: 501 }, 400, "invalid_input"],
      [{ ...base, sampleSize: 0 }, 400, "invalid_input"],
      [{ ...base, hostId: "web1" }, 400, "invalid_input"],
      [{ ...base, snapshotId: "../x" }, 400, "invalid_input"],
      [{ ...base, surprise: true }, 400, "invalid_input"],
      [{ ...base, hostId: nobody }, 404, "not_found"],
      [{ ...base, repositoryId: "rep_01jzzzzzzzzzzzzzzzzzzzzzzz" }, 404, "not_found"],
      [{ hostId: s.web1.hostId, planId: "pln_01jzzzzzzzzzzzzzzzzzzzzzzz" }, 404, "not_found"],
      [{ ...base, snapshotId: "deadbeef" }, 404, "not_found"],
      [{ ...base, targetHostId: nobody }, 404, "not_found"],
      [{ ...base, snapshotId: BARE }, 409, "not_indexed"],
      [{ ...base, targetHostId: s.bare.hostId }, 409, "tool_missing"],
      [{ ...base, hostId: s.bare.hostId }, 409, "no_snapshot"],
    ];
    for (const [body, status, code] of cases) {
      const r = await s.operator.json<{ error: { code: string } }>("POST", "/api/drills", { body });
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code, JSON.stringify(body));
    }
    assert.equal((await s.viewer.json("POST", "/api/drills", { body: base })).status, 403);
    assert.equal((await s.viewer.json("GET", `/api/hosts/${nobody}/drills/latest`)).status, 404);
    assert.equal((await s.viewer.json("GET", "/api/drills?hostId=x")).status, 400);
    assert.deepEqual(await s.counts(), { jobs: 0, drills: 0 });
    assert.deepEqual(await s.web1.poll(), []);
  } finally {
    await s.t.close();
  }
});

Deno.test("drills API: the sample comes from the index; figures and drill.failed are recorded", async () => {
  const s = await setUp();
  try {
    const r = await s.operator.json<{ jobs: Array<{ id: string; kind: string }> }>(
      "POST",
      "/api/drills",
      { body: { hostId: s.web1.hostId, planId: s.planId, sampleSize: 5 } },
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const jobId = r.body.jobs[0].id;
    assert.equal(r.body.jobs[0].kind, "drill");
    const [spec] = specsIn(await s.web1.poll());
    assert.equal(spec.kind, "drill");
    assert.equal(spec.snapshot?.id, INDEXED, "the latest snapshot of the plan by default");
    const files = spec.drill!.files;
    assert.equal(files.length, 6, "five sampled files and the canary");
    assert.equal(spec.drill!.canary, "/srv/.cairn-canary");
    assert.equal(new Set(files.map((f) => f.path)).size, files.length, "no file twice");
    for (const f of files) {
      const e = TREE.find((x) => x.path === f.path);
      assert.ok(e && e.type === "file", `${f.path} is a regular file of the snapshot`);
      assert.equal(f.size, e.size);
      assert.equal(f.mtime, e.mtime);
    }

    const result = {
      checked: 6,
      mismatches: [{ path: files[0].path, why: "size 100 in the snapshot, 0 restored" }],
      bytes: 600,
      durationMs: 200,
      throughput: 3000,
      liveCompared: 0,
      liveSkipped: 6,
    };
    await s.web1.report([finished(jobId, {
      status: "failed",
      exitCode: null,
      failureCode: "unknown",
      message: "1 of 6 files did not match the snapshot",
      result,
    })]);
    const latest = await waitForOutcome(s, s.web1.hostId);
    assert.equal(latest.latest?.outcome, "failed");
    assert.equal(latest.latest?.mismatchCount, 1);
    assert.equal(latest.latest?.throughput, 3000);
    assert.equal(latest.latest?.message, "1 of 6 files did not match the snapshot");
    assert.equal(latest.lastOk, null);
    assert.equal(latest.trend.length, 1);
    const audit = await s.t.db.selectFrom("audit_log").selectAll()
      .where("action", "=", "drill.failed").execute();
    assert.equal(audit.length, 1, "a failed drill leaves one drill.failed entry");
    assert.equal(audit[0].target_id, s.web1.hostId);
    const { body } = await s.viewer.json<DrillsListView>(
      "GET",
      `/api/drills?hostId=${s.web1.hostId}`,
    );
    assert.equal(body.drills.length, 1);
    assert.equal(body.drills[0].canary, "/srv/.cairn-canary");
  } finally {
    await s.t.close();
  }
});

async function waitForOutcome(s: Awaited<ReturnType<typeof setUp>>, hostId: string) {
  for (let i = 0; i < 100; i++) {
    const r = await s.viewer.json<LastVerifiedView>("GET", `/api/hosts/${hostId}/drills/latest`);
    assert.equal(r.status, 200);
    if (r.body.latest) return r.body;
    await new Promise((ok) => setTimeout(ok, 20));
  }
  throw new Error("the drill's figures were never recorded");
}
