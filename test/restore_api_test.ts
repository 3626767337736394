/**
 * The restore API in process, with agents speaking the real protocol: bad input refused with
 * 400/404/409 and nothing started; the original place with a typed confirmation; a new location
 * inside the host's restore roots; a cross-host restore whose secrets are sealed to the target
 * agent; restore roots set by admins only; the restore history.
 */
import assert from "node:assert/strict";
import type { JobSpec } from "../server/contract/jobs.ts";
import { DEFAULT_RESTORE_ROOT } from "../server/contract/restores.ts";
import {
  approvedHost,
  insertRepository,
  jobsContext,
  PASSPHRASE,
  specsIn,
} from "./jobs_fixture.ts";

const FULL = "3f1c2a9b".padEnd(64, "0");

async function setUp() {
  const c = await jobsContext();
  const web1 = await approvedHost(c.t, c.admin, { name: "web1" });
  const web2 = await approvedHost(c.t, c.admin, { name: "web2" });
  const bare = await approvedHost(c.t, c.admin, { name: "bare" });
  await c.t.db.updateTable("hosts").set({
    facts: JSON.stringify({ resticVersion: null, borgVersion: null }),
  }).where("id", "=", bare.hostId).execute();
  const repositoryId = await insertRepository(c.t, { name: "main" });
  await c.t.db.insertInto("snapshots").values({
    repository_id: repositoryId,
    snapshot_id: FULL,
    short_id: FULL.slice(0, 8),
    time: 1_700_000_000_000,
    hostname: "web1",
    host_id: web1.hostId,
    plan_id: null,
    paths: JSON.stringify(["/etc", "/home"]),
    tags: "[]",
    size_bytes: null,
    file_count: null,
    refresh_id: "job_0",
  }).execute();
  const counts = async () => ({
    jobs: (await c.t.db.selectFrom("jobs").select("id").execute()).length,
    restores: (await c.t.db.selectFrom("restores").select("job_id").execute()).length,
  });
  return { ...c, web1, web2, bare, repositoryId, counts };
}

Deno.test("restore API: bad input is refused with the reason and nothing starts", async () => {
  const s = await setUp();
  try {
    const base = {
      repositoryId: s.repositoryId,
      snapshotId: FULL.slice(0, 8),
      paths: ["/etc/nginx"],
      overwrite: "never",
    };
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ ...base, target: { type: "original" } }, 400, "confirmation_required"],
      [{ ...base, target: { type: "original" }, confirm: "web2" }, 400, "confirmation_required"],
      [{ ...base, target: { type: "new", path: "/tmp/x" } }, 400, "outside_restore_roots"],
      [
        { ...base, target: { type: "new", path: `${DEFAULT_RESTORE_ROOT}/../etc` } },
        400,
        "invalid_input",
      ],
      [
        { ...base, paths: ["etc/nginx"], target: { type: "new", path: DEFAULT_RESTORE_ROOT } },
        400,
        "invalid_input",
      ],
      [
        { ...base, paths: ["/etc/../root"], target: { type: "new", path: DEFAULT_RESTORE_ROOT } },
        400,
        "invalid_input",
      ],
      [
        { ...base, paths: ["/var/lib"], target: { type: "new", path: DEFAULT_RESTORE_ROOT } },
        400,
        "path_not_in_snapshot",
      ],
      [
        { ...base, overwrite: "sometimes", target: { type: "new", path: DEFAULT_RESTORE_ROOT } },
        400,
        "invalid_input",
      ],
      [
        { ...base, snapshotId: "deadbeef", target: { type: "new", path: DEFAULT_RESTORE_ROOT } },
        404,
        "not_found",
      ],
      [
        {
          ...base,
          repositoryId: "rep_01jzzzzzzzzzzzzzzzzzzzzzzz",
          target: { type: "new", path: DEFAULT_RESTORE_ROOT },
        },
        404,
        "not_found",
      ],
      [
        {
          ...base,
          target: {
            type: "host",
            hostId: "hst_01jzzzzzzzzzzzzzzzzzzzzzzz",
            path: DEFAULT_RESTORE_ROOT,
          },
        },
        404,
        "not_found",
      ],
      [
        { ...base, target: { type: "host", hostId: s.bare.hostId, path: DEFAULT_RESTORE_ROOT } },
        409,
        "tool_missing",
      ],
    ];
    for (const [body, status, code] of cases) {
      const r = await s.operator.json<{ error: { code: string; message: string } }>(
        "POST",
        "/api/restores",
        { body },
      );
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code, JSON.stringify(body));
    }
    const outside = await s.operator.json<{ error: { message: string } }>("POST", "/api/restores", {
      body: { ...base, target: { type: "new", path: "/tmp/x" } },
    });
    assert.match(outside.body.error.message, new RegExp(DEFAULT_RESTORE_ROOT));
    const viewer = await s.viewer.json("POST", "/api/restores", {
      body: { ...base, target: { type: "new", path: DEFAULT_RESTORE_ROOT } },
    });
    assert.equal(viewer.status, 403);
    assert.deepEqual(await s.counts(), { jobs: 0, restores: 0 });
    assert.deepEqual(await s.web1.poll(), []);
    assert.deepEqual(await s.bare.poll(), []);
  } finally {
    await s.t.close();
  }
});

Deno.test("restore API: original place, new location, another host, roots and history", async () => {
  const s = await setUp();
  try {
    const base = {
      repositoryId: s.repositoryId,
      snapshotId: FULL.slice(0, 8),
      overwrite: "if-newer",
    };
    const original = await s.operator.json<{ jobs: Array<{ id: string; kind: string }> }>(
      "POST",
      "/api/restores",
      { body: { ...base, paths: ["/etc/nginx"], target: { type: "original" }, confirm: "web1" } },
    );
    assert.equal(original.status, 201, JSON.stringify(original.body));
    assert.equal(original.body.jobs[0].kind, "restore");
    const [spec] = specsIn(await s.web1.poll()) as JobSpec[];
    assert.equal(spec.kind, "restore");
    assert.equal(spec.hostId, s.web1.hostId);
    assert.deepEqual(spec.snapshot, { id: FULL, hostId: s.web1.hostId });
    assert.deepEqual(spec.restore, {
      paths: ["/etc/nginx"],
      targetDir: "/",
      overwrite: "if-newer",
    });

    // Another host: the job runs there, with the repository's secrets sealed to its key.
    const cross = await s.operator.json<{ jobs: Array<{ id: string; host: { id: string } }> }>(
      "POST",
      "/api/restores",
      {
        body: {
          ...base,
          paths: [],
          target: {
            type: "host",
            hostId: s.web2.hostId,
            path: `${DEFAULT_RESTORE_ROOT}/from-web1`,
            remap: [{ from: "/etc", to: "/web1-etc" }],
          },
        },
      },
    );
    assert.equal(cross.status, 201, JSON.stringify(cross.body));
    assert.equal(cross.body.jobs[0].host.id, s.web2.hostId);
    const [spec2] = specsIn(await s.web2.poll()) as JobSpec[];
    assert.equal(spec2.restore?.targetDir, `${DEFAULT_RESTORE_ROOT}/from-web1`);
    assert.deepEqual(spec2.restore?.remap, [{ from: "/etc", to: "/web1-etc" }]);
    assert.equal(await s.web2.open(spec2.repository.passphrase), PASSPHRASE);
    await assert.rejects(() => s.web1.open(spec2.repository.passphrase));

    // Roots: admins only; afterwards the default no longer applies.
    const denied = await s.operator.json("PATCH", `/api/hosts/${s.web1.hostId}/restore-roots`, {
      body: { roots: ["/srv/restore"] },
    });
    assert.equal(denied.status, 403);
    const bad = await s.admin.json("PATCH", `/api/hosts/${s.web1.hostId}/restore-roots`, {
      body: { roots: ["/"] },
    });
    assert.equal(bad.status, 400);
    const set = await s.admin.json<{ effective: string[] }>(
      "PATCH",
      `/api/hosts/${s.web1.hostId}/restore-roots`,
      { body: { roots: ["/srv/restore"] } },
    );
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.effective, ["/srv/restore"]);
    const old = await s.operator.json("POST", "/api/restores", {
      body: { ...base, paths: ["/home"], target: { type: "new", path: DEFAULT_RESTORE_ROOT } },
    });
    assert.equal(old.status, 400);
    const inside = await s.operator.json("POST", "/api/restores", {
      body: { ...base, paths: ["/home"], target: { type: "new", path: "/srv/restore/today" } },
    });
    assert.equal(inside.status, 201, JSON.stringify(inside.body));

    const history = await s.viewer.json<{
      restores: Array<{ by: string; target: { type: string }; job: { host: { id: string } } }>;
    }>("GET", `/api/restores?repositoryId=${s.repositoryId}&snapshotId=${FULL.slice(0, 8)}`);
    assert.equal(history.status, 200);
    assert.deepEqual(history.body.restores.map((r) => r.target.type), ["new", "host", "original"]);
    assert.ok(history.body.restores.every((r) => r.by === "operator"));
    const onWeb2 = await s.viewer.json<{ restores: unknown[] }>(
      "GET",
      `/api/restores?hostId=${s.web2.hostId}`,
    );
    assert.equal(onWeb2.body.restores.length, 1); // received the cross-host one
    const audit = await s.t.db.selectFrom("audit_log").selectAll()
      .where("action", "=", "restore.created").execute();
    assert.equal(audit.length, 3);
    assert.ok(!JSON.stringify(audit).includes(PASSPHRASE));
  } finally {
    await s.t.close();
  }
});
