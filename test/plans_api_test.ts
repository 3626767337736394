/**
 * /api/plans through the app: targets (a host, or the approved hosts with a tag), hooks only for
 * admins and never answered, the rules that need the database, and the preview lines for each
 * engine and location kind, built the way the agent builds them.
 */
import assert from "node:assert/strict";
import type { CreatedRepository, PlanPreview, PlanView } from "../server/contract/backups.ts";
import { createTestContext } from "./helpers/app.ts";
import type { TestClient } from "./helpers/app.ts";
import { assertSecretNowhere, insertHost, insertJob, isError } from "./helpers/backups_config.ts";

type Ctx = Awaited<ReturnType<typeof createTestContext>>;
type Clients = Record<"admin" | "operator" | "viewer", TestClient>;

async function withApp(fn: (t: Ctx, c: Clients) => Promise<void>) {
  const t = await createTestContext();
  try {
    await fn(t, await t.signedInClients());
  } finally {
    await t.close();
  }
}

async function repository(admin: TestClient, body: Record<string, unknown>): Promise<string> {
  const r = await admin.json<CreatedRepository>("POST", "/api/repositories", {
    body: { passphrase: "plan test passphrase", ...body },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.repository.id;
}

const plansCount = async (t: Ctx) => (await t.db.selectFrom("plans").select("id").execute()).length;

Deno.test("plans: targets, tag matches, host filter, last job, delete keeps job history", async () => {
  await withApp(async (t, { admin, operator, viewer }) => {
    const web1 = await insertHost(t.db, { name: "web1", state: "approved", tags: ["web"] });
    const web2 = await insertHost(t.db, { name: "web2", state: "pending", tags: ["web"] });
    const db1 = await insertHost(t.db, { name: "db1", state: "approved", tags: ["db"] });
    const repo = await repository(admin, {
      name: "r",
      engine: "restic",
      location: { kind: "local", path: "/srv/r" },
    });
    const byTag = await operator.json<{ plan: PlanView }>("POST", "/api/plans", {
      body: {
        name: "web",
        repositoryId: repo,
        target: { type: "tag", tag: "web" },
        sources: ["/var/www"],
        retention: { daily: 7 },
      },
    });
    assert.equal(byTag.status, 201, JSON.stringify(byTag.body));
    assert.deepEqual(
      byTag.body.plan.hosts,
      [{ id: web1, name: "web1" }],
      "approved hosts with the tag",
    );
    assert.equal(byTag.body.plan.engine, "restic");
    assert.equal(byTag.body.plan.repositoryName, "r");
    assert.deepEqual(byTag.body.plan.hooks, { pre: false, post: false });
    const byHost = await operator.json<{ plan: PlanView }>("POST", "/api/plans", {
      body: {
        name: "db",
        repositoryId: repo,
        target: { type: "host", hostId: db1 },
        sources: ["/var/lib/db"],
      },
    });
    assert.equal(byHost.status, 201);
    const pending = await operator.json("POST", "/api/plans", {
      body: {
        name: "pending",
        repositoryId: repo,
        target: { type: "host", hostId: web2 },
        sources: ["/x"],
      },
    });
    assert.equal(pending.status, 201, "a pending host may be named already");
    const forWeb1 = await viewer.json<{ plans: PlanView[] }>("GET", `/api/plans?hostId=${web1}`);
    assert.deepEqual(forWeb1.body.plans.map((p) => p.name), ["web"]);
    const forDb1 = await viewer.json<{ plans: PlanView[] }>("GET", `/api/plans?hostId=${db1}`);
    assert.deepEqual(forDb1.body.plans.map((p) => p.name), ["db"]);
    assert.equal(
      (await viewer.json<{ plans: PlanView[] }>("GET", "/api/plans")).body.plans.length,
      3,
    );
    const planId = byHost.body.plan.id;
    const jobId = await insertJob(t.db, { hostId: db1, repositoryId: repo, planId, status: "ok" });
    const got = await viewer.json<{ plan: PlanView }>("GET", `/api/plans/${planId}`);
    assert.equal(got.body.plan.lastJob?.id, jobId);
    assert.equal((await viewer.json("DELETE", `/api/plans/${planId}`)).status, 403);
    assert.equal((await operator.json("DELETE", `/api/plans/${planId}`)).status, 204);
    const job = await t.db.selectFrom("jobs").select("plan_id").where("id", "=", jobId)
      .executeTakeFirstOrThrow();
    assert.equal(job.plan_id, null, "the job stays, without its plan");
    assert.equal((await viewer.json("GET", `/api/plans/${planId}`)).status, 404);
  });
});

Deno.test("plans: hooks are for admins only, sealed, shown as flags, audited without text", async () => {
  await withApp(async (t, { admin, operator }) => {
    const host = await insertHost(t.db, { name: "web1", state: "approved" });
    const repo = await repository(admin, {
      name: "r",
      engine: "borg",
      location: { kind: "local", path: "/srv/b" },
    });
    const base = { repositoryId: repo, target: { type: "host", hostId: host }, sources: ["/etc"] };
    const HOOK = "pg_dump --password=hook-secret-123 > /tmp/db.sql";
    for (const hooks of [{ pre: HOOK }, null]) {
      const res = await operator.json("POST", "/api/plans", {
        body: { ...base, name: "x", hooks },
      });
      assert.equal(res.status, 403);
      assert.ok(isError(res.body, "admin_only"));
    }
    assert.equal(await plansCount(t), 0, "nothing written");
    const made = await admin.json<{ plan: PlanView }>("POST", "/api/plans", {
      body: { ...base, name: "with hooks", hooks: { pre: HOOK }, compression: "zstd,6" },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual(made.body.plan.hooks, { pre: true, post: false });
    assert.ok(!JSON.stringify(made.body).includes("pg_dump"));
    const id = made.body.plan.id;
    const row = await t.db.selectFrom("plans").select("hooks_sealed").where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.ok(row.hooks_sealed!.startsWith("sb1:"));
    await assertSecretNowhere(t, "hook-secret-123");
    const opEdit = await operator.json<{ plan: PlanView }>("PATCH", `/api/plans/${id}`, {
      body: { sources: ["/srv"] },
    });
    assert.equal(opEdit.status, 200, "an operator may change the rest");
    assert.deepEqual(opEdit.body.plan.hooks, { pre: true, post: false }, "and the hooks stay");
    const opHooks = await operator.json("PATCH", `/api/plans/${id}`, { body: { hooks: null } });
    assert.equal(opHooks.status, 403);
    const removed = await admin.json<{ plan: PlanView }>("PATCH", `/api/plans/${id}`, {
      body: { hooks: null },
    });
    assert.deepEqual(removed.body.plan.hooks, { pre: false, post: false });
    const audit = await t.db.selectFrom("audit_log").select("details").where("target_id", "=", id)
      .where("action", "=", "plan.updated").execute();
    assert.ok(audit.some((a) => a.details.includes("hooks changed")));
  });
});

Deno.test("plans: rules that need the database are 400s naming the field, nothing written", async () => {
  await withApp(async (t, { admin, operator }) => {
    const ok = await insertHost(t.db, { name: "ok", state: "approved" });
    const revoked = await insertHost(t.db, { name: "gone", state: "revoked" });
    const restic = await repository(admin, {
      name: "r",
      engine: "restic",
      location: { kind: "local", path: "/srv/r" },
    });
    const base = {
      name: "p",
      repositoryId: restic,
      target: { type: "host", hostId: ok },
      sources: ["/etc"],
    };
    const tries: Array<[unknown, RegExp]> = [
      [{ ...base, compression: "lz4" }, /compression is for borg/],
      [
        { ...base, repositoryId: "rep_01jzzzzzzzzzzzzzzzzzzzzzzz" },
        /repositoryId names no repository/,
      ],
      [
        { ...base, target: { type: "host", hostId: revoked } },
        /target\.hostId names a revoked host/,
      ],
      [
        { ...base, target: { type: "host", hostId: "hst_01jzzzzzzzzzzzzzzzzzzzzzzz" } },
        /target\.hostId names no host/,
      ],
      [{ ...base, sources: ["relative"] }, /sources/],
      [{ ...base, sources: [] }, /sources/],
      [{ ...base, retention: { daily: 0 } }, /retention\.daily/],
      [{ ...base, target: { type: "tag", tag: "bad tag!" } }, /target/],
    ];
    for (const [body, message] of tries) {
      const res = await operator.json<{ error: { message: string } }>("POST", "/api/plans", {
        body,
      });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.ok(isError(res.body));
      assert.match(res.body.error.message, message);
    }
    assert.equal(await plansCount(t), 0);
    assert.equal((await operator.json("POST", "/api/plans", { body: base })).status, 201);
    assert.equal((await operator.json("POST", "/api/plans", { body: base })).status, 409);
    const id = (await t.db.selectFrom("plans").select("id").executeTakeFirstOrThrow()).id;
    const bad = await operator.json("PATCH", `/api/plans/${id}`, { body: { compression: "lz4" } });
    assert.equal(bad.status, 400);
    const row = await t.db.selectFrom("plans").select("compression").where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.equal(row.compression, null, "a refused update changes nothing");
  });
});

Deno.test("plans: preview lines for each engine and location kind, secrets masked", async () => {
  await withApp(async (t, { admin, operator, viewer }) => {
    const host = await insertHost(t.db, { name: "web1", state: "approved" });
    const other = await insertHost(t.db, { name: "other", state: "approved" });
    const key = (await admin.json<{ sshKey: { id: string } }>("POST", "/api/ssh-keys", {
      body: { mode: "generate", name: "k" },
    })).body.sshKey.id;
    const kinds: Array<[string, Record<string, unknown>, RegExp[]]> = [
      ["restic", { location: { kind: "local", path: "/srv/r" } }, [/RESTIC_REPOSITORY=\/srv\/r/]],
      ["restic", {
        location: { kind: "sftp", user: "bk", host: "nas", path: "/srv/r" },
        sshKeyId: key,
      }, [
        /^restic -o 'sftp\.command=ssh -i STATE_DIR\/jobs\/run\/JOB_ID\/id .*bk@nas -s sftp' backup/m,
      ]],
      ["restic", {
        location: { kind: "rest", url: "http://nas:8000/web1", username: "web1" },
        credentials: { restPassword: "rest-secret-555" },
      }, [/RESTIC_REPOSITORY=rest:http:\/\/nas:8000\/web1/]],
      ["restic", {
        location: { kind: "s3", url: "s3.amazonaws.com/b/web", accessKeyId: "AKIAXYZ" },
        credentials: { s3SecretAccessKey: "s3-secret-666" },
      }, [/AWS_SECRET_ACCESS_KEY=\*\*\*/]],
      ["restic", { location: { kind: "rclone", remote: "b2:bucket/web" } }, [
        /RESTIC_REPOSITORY=rclone:b2:bucket\/web/,
      ]],
      ["borg", { location: { kind: "local", path: "/srv/b" } }, [
        /^borg create --log-json --progress --json --compression=lz4 .*\/srv\/b::hst_\w+\.pln_\w+\.2026-11-01T12:00:00\.000 \/etc$/m,
      ]],
      ["borg", {
        location: { kind: "ssh", user: "bk", host: "nas", port: 2222, path: "~/b" },
        sshKeyId: key,
      }, [/ssh:\/\/bk@nas:2222\/~\/b::/, /BORG_RSH=ssh -i STATE_DIR/]],
    ];
    let n = 0;
    for (const [engine, extra, expect] of kinds) {
      n++;
      const repo = await repository(admin, { name: `r${n}`, engine, ...extra });
      const plan = await operator.json<{ plan: PlanView }>("POST", "/api/plans", {
        body: {
          name: `p${n}`,
          repositoryId: repo,
          target: { type: "host", hostId: host },
          sources: ["/etc"],
          tags: ["nightly"],
          retention: { daily: 7, within: "2w" },
          ...(engine === "borg" ? { compression: "lz4" } : {}),
        },
      });
      const res = await viewer.json<PlanPreview>(
        "GET",
        `/api/plans/${plan.body.plan.id}/preview?hostId=${host}`,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const text = [...res.body.commands.map((c) => c.line), ...res.body.environment].join("\n");
      assert.deepEqual(res.body.commands.map((c) => c.kind), ["backup", "forget"]);
      const [pw] = res.body.environment;
      assert.equal(pw, engine === "restic" ? "RESTIC_PASSWORD=***" : "BORG_PASSPHRASE=***");
      for (const re of expect) {
        assert.match(text, re, `${engine} ${JSON.stringify(extra.location)}:\n${text}`);
      }
      assert.ok(!/secret-\d{3}|plan test passphrase/.test(text), "no secret in the preview");
      const planId = plan.body.plan.id;
      if (engine === "restic") {
        assert.match(
          text,
          new RegExp(
            `--tag=cairn --tag=cairn-host:${host} --tag=cairn-plan:${planId} --tag=nightly`,
          ),
        );
        assert.match(
          text,
          new RegExp(
            `forget --json --keep-daily=7 --keep-within=14d --tag=cairn-host:${host},cairn-plan:${planId} --group-by=$`,
            "m",
          ),
        );
      } else {
        assert.match(
          text,
          new RegExp(
            `prune --log-json --list --keep-daily=7 --keep-within=2w '--glob-archives=${host}\\.${planId}\\.\\*'`,
          ),
        );
      }
      const notTarget = await viewer.json("GET", `/api/plans/${planId}/preview?hostId=${other}`);
      assert.equal(notTarget.status, 400);
    }
  });
});
