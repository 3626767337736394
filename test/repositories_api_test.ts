/**
 * /api/repositories through the app: a minted passphrase is answered once and is nowhere in
 * plain text after; secrets are sealed; the location shows as the tool spells it; bad input is a
 * 400 naming the field with nothing written; deleting waits for plans and active jobs.
 */
import assert from "node:assert/strict";
import type { CreatedRepository, RepositoryView } from "../server/contract/backups.ts";
import { createTestContext } from "./helpers/app.ts";
import type { TestClient } from "./helpers/app.ts";
import { assertSecretNowhere, insertHost, insertJob, isError } from "./helpers/backups_config.ts";

type Ctx = Awaited<ReturnType<typeof createTestContext>>;

async function withApp(
  fn: (t: Ctx, c: Record<"admin" | "operator" | "viewer", TestClient>) => Promise<void>,
) {
  const t = await createTestContext();
  try {
    await fn(t, await t.signedInClients());
  } finally {
    await t.close();
  }
}

const count = async (t: Ctx) =>
  (await t.db.selectFrom("repositories").select("id").execute()).length;

async function newKey(admin: TestClient): Promise<string> {
  const r = await admin.json<{ sshKey: { id: string } }>("POST", "/api/ssh-keys", {
    body: { mode: "generate", name: `k${crypto.randomUUID().slice(0, 8)}` },
  });
  return r.body.sshKey.id;
}

Deno.test("repositories: a minted passphrase is shown once, sealed, and nowhere in plain text", async () => {
  await withApp(async (t, { admin, operator, viewer }) => {
    const made = await admin.json<CreatedRepository>("POST", "/api/repositories", {
      body: {
        name: "local restic",
        engine: "restic",
        location: { kind: "local", path: "/srv/restic" },
        passphrase: "",
      },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const minted = made.body.passphrase!;
    assert.match(minted, /^[a-z2-9]{5}(-[a-z2-9]{5}){5}$/, "6 groups of 5 (150 bits)");
    const id = made.body.repository.id;
    assert.equal(made.body.repository.display, "/srv/restic");
    assert.equal(made.body.repository.passphraseSet, true);
    for (const c of [admin, operator, viewer]) {
      const one = await c.json<{ repository: RepositoryView }>("GET", `/api/repositories/${id}`);
      assert.equal(one.status, 200);
      assert.ok(!JSON.stringify(one.body).includes(minted), "never answered again");
      const list = await c.json<{ repositories: RepositoryView[] }>("GET", "/api/repositories");
      assert.ok(!JSON.stringify(list.body).includes(minted));
    }
    const row = await t.db.selectFrom("repositories").selectAll().where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.ok(row.passphrase_sealed.startsWith("sb1:"));
    assert.equal(t.services.secretBox.open(row.passphrase_sealed), minted);
    await assertSecretNowhere(t, minted);
    const again = await admin.json<CreatedRepository>("POST", "/api/repositories", {
      body: {
        name: "given",
        engine: "borg",
        location: { kind: "local", path: "/srv/borg" },
        passphrase: "my own passphrase 42",
      },
    });
    assert.equal(again.status, 201);
    assert.equal(again.body.passphrase, undefined, "a passphrase the user gave is not answered");
    await assertSecretNowhere(t, "my own passphrase 42");
  });
});

Deno.test("repositories: each location kind shows as the tool spells it, without credentials", async () => {
  await withApp(async (t, { admin }) => {
    const key = await newKey(admin);
    const cases: Array<[string, unknown, string, unknown?]> = [
      [
        "restic",
        { kind: "sftp", user: "backup", host: "nas", path: "/srv/restic" },
        "sftp:backup@nas:/srv/restic",
      ],
      [
        "restic",
        { kind: "rest", url: "http://nas:8000/web1", username: "web1" },
        "rest:http://nas:8000/web1",
        { restPassword: "rest password 77" },
      ],
      [
        "restic",
        { kind: "s3", url: "s3.amazonaws.com/bucket/web", accessKeyId: "AKIAEXAMPLE" },
        "s3:s3.amazonaws.com/bucket/web",
        { s3SecretAccessKey: "s3 secret key 88" },
      ],
      ["restic", { kind: "rclone", remote: "b2:bucket/web" }, "rclone:b2:bucket/web", {
        rcloneEnv: { RCLONE_CONFIG_B2_KEY: "rclone secret 99" },
      }],
      [
        "borg",
        { kind: "ssh", user: "borg", host: "nas", port: 2222, path: "/srv/borg" },
        "ssh://borg@nas:2222/srv/borg",
      ],
      ["borg", { kind: "ssh", user: "borg", host: "nas", path: "~/web" }, "ssh://borg@nas/~/web"],
    ];
    for (const [engine, location, display, credentials] of cases) {
      const overSsh = ["sftp", "ssh"].includes((location as { kind: string }).kind);
      const res = await admin.json<CreatedRepository>("POST", "/api/repositories", {
        body: {
          name: display,
          engine,
          location,
          credentials,
          sshKeyId: overSsh ? key : undefined,
          passphrase: "repo passphrase 1",
        },
      });
      assert.equal(res.status, 201, `${display}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.repository.display, display);
      assert.equal(res.body.repository.credentialsSet, credentials !== undefined);
      if (credentials) {
        const row = await t.db.selectFrom("repositories").select("credentials_sealed")
          .where("id", "=", res.body.repository.id).executeTakeFirstOrThrow();
        assert.ok(row.credentials_sealed!.startsWith("sb1:"));
        const secret = JSON.stringify(credentials).match(/"([^"]+ \d\d)"/)![1];
        await assertSecretNowhere(t, secret);
      }
    }
  });
});

Deno.test("repositories: bad input is a 400 naming the field, 409 for a taken name, nothing written", async () => {
  await withApp(async (t, { admin, operator, viewer }) => {
    const key = await newKey(admin);
    const local = { kind: "local", path: "/srv/r" };
    const tries: Array<[unknown, number, RegExp]> = [
      [
        { name: "a", engine: "borg", location: { kind: "rest", url: "http://x:8000/" } },
        400,
        /location\.kind must be one of local, ssh/,
      ],
      [
        {
          name: "a",
          engine: "restic",
          location: { kind: "ssh", user: "u", host: "h", path: "/x" },
        },
        400,
        /location\.kind/,
      ],
      [
        {
          name: "a",
          engine: "restic",
          location: { kind: "sftp", user: "u", host: "h", path: "/x" },
        },
        400,
        /sshKeyId is required/,
      ],
      [
        {
          name: "a",
          engine: "restic",
          location: { kind: "sftp", user: "u", host: "h", path: "/x" },
          sshKeyId: "key_01jzzzzzzzzzzzzzzzzzzzzzzz",
        },
        400,
        /sshKeyId names no SSH key/,
      ],
      [{ name: "a", engine: "restic", location: local, sshKeyId: key }, 400, /sshKeyId is only/],
      [
        {
          name: "a",
          engine: "restic",
          location: local,
          credentials: { restPassword: "secret-ZQXJ" },
        },
        400,
        /credentials\.restPassword/,
      ],
      [
        { name: "a", engine: "restic", location: { kind: "local", path: "relative" } },
        400,
        /location/,
      ],
      [{ name: "a", engine: "zfs", location: local }, 400, /engine/],
      [{ name: "", engine: "restic", location: local }, 400, /name/],
    ];
    for (const [body, status, message] of tries) {
      const res = await admin.json<{ error: { message: string } }>("POST", "/api/repositories", {
        body,
      });
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.ok(isError(res.body));
      assert.match(res.body.error.message, message);
      assert.ok(!JSON.stringify(res.body).includes("ZQXJ"), "no echo of a rejected value");
    }
    assert.equal(await count(t), 0);
    for (const c of [operator, viewer]) {
      assert.equal(
        (await c.json("POST", "/api/repositories", {
          body: { name: "x", engine: "restic", location: local },
        })).status,
        403,
      );
    }
    assert.equal(await count(t), 0);
    assert.equal(
      (await admin.json("POST", "/api/repositories", {
        body: { name: "r", engine: "restic", location: local },
      })).status,
      201,
    );
    const dup = await admin.json("POST", "/api/repositories", {
      body: { name: "r", engine: "borg", location: local },
    });
    assert.equal(dup.status, 409);
    assert.ok(isError(dup.body, "name_taken"));
    assert.equal(await count(t), 1);
    assert.equal(
      (await viewer.json("GET", "/api/repositories/rep_01jzzzzzzzzzzzzzzzzzzzzzzz")).status,
      404,
    );
    assert.equal(
      (await admin.json("PATCH", "/api/repositories/rep_01jzzzzzzzzzzzzzzzzzzzzzzz", {
        body: { name: "y" },
      })).status,
      404,
    );
  });
});

Deno.test("repositories: a passphrase change is audited without its value; stats columns read defensively", async () => {
  await withApp(async (t, { admin, operator }) => {
    const made = await admin.json<CreatedRepository>("POST", "/api/repositories", {
      body: { name: "r", engine: "restic", location: { kind: "local", path: "/srv/r" } },
    });
    const id = made.body.repository.id;
    assert.deepEqual(made.body.repository.stats, {
      totalSizeBytes: null,
      rawSizeBytes: null,
      deduplicationRatio: null,
      snapshotCount: null,
      updatedAt: null,
    });
    assert.deepEqual(made.body.repository.lock, { locked: null, holders: [], checkedAt: null });
    assert.equal(
      (await operator.json("PATCH", `/api/repositories/${id}`, { body: { passphrase: "x" } }))
        .status,
      403,
    );
    const changed = await admin.json<{ repository: RepositoryView }>(
      "PATCH",
      `/api/repositories/${id}`,
      {
        body: { passphrase: "the corrected passphrase", name: "renamed" },
      },
    );
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.repository.name, "renamed");
    const row = await t.db.selectFrom("repositories").selectAll().where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.equal(t.services.secretBox.open(row.passphrase_sealed), "the corrected passphrase");
    await assertSecretNowhere(t, "the corrected passphrase");
    const audit = await t.db.selectFrom("audit_log").select(["action", "details"])
      .where("action", "=", "repository.updated").executeTakeFirstOrThrow();
    assert.match(audit.details, /passphrase changed/);
    await t.db.updateTable("repositories").set({
      stats: JSON.stringify({ totalSizeBytes: 1000, snapshotCount: "x", at: Date.UTC(2026, 0, 2) }),
      lock_state: JSON.stringify({
        locks: [{ hostname: "web1", pid: 42, since: Date.UTC(2026, 0, 1) }, "junk"],
      }),
      last_check_at: Date.UTC(2026, 0, 3),
      last_check_status: "ok",
    }).where("id", "=", id).execute();
    const v =
      (await admin.json<{ repository: RepositoryView }>("GET", `/api/repositories/${id}`)).body
        .repository;
    assert.equal(v.stats.totalSizeBytes, 1000);
    assert.equal(v.stats.snapshotCount, null, "a value of the wrong type is unknown");
    assert.equal(v.stats.updatedAt, "2026-01-02T00:00:00.000Z");
    assert.deepEqual(v.lock.holders[0], {
      hostname: "web1",
      pid: 42,
      since: "2026-01-01T00:00:00.000Z",
    });
    assert.equal(v.lock.locked, true);
    assert.deepEqual(v.lastCheck, { at: "2026-01-03T00:00:00.000Z", status: "ok" });
    await t.db.updateTable("repositories").set({ stats: "not json" }).where("id", "=", id)
      .execute();
    assert.equal((await admin.json("GET", `/api/repositories/${id}`)).status, 200);
  });
});

Deno.test("repositories: delete waits for plans and active jobs, forgets only in Cairn", async () => {
  await withApp(async (t, { admin, operator }) => {
    const hostId = await insertHost(t.db, { name: "web1", state: "approved" });
    const made = await admin.json<CreatedRepository>("POST", "/api/repositories", {
      body: { name: "r", engine: "restic", location: { kind: "local", path: "/srv/r" } },
    });
    const id = made.body.repository.id;
    const plan = await operator.json<{ plan: { id: string } }>("POST", "/api/plans", {
      body: { name: "p", repositoryId: id, target: { type: "host", hostId }, sources: ["/etc"] },
    });
    assert.equal(plan.status, 201, JSON.stringify(plan.body));
    const withPlan = await admin.json("DELETE", `/api/repositories/${id}`);
    assert.equal(withPlan.status, 409);
    assert.ok(isError(withPlan.body, "repository_in_use"));
    assert.equal((await operator.json("DELETE", `/api/plans/${plan.body.plan.id}`)).status, 204);
    const jobId = await insertJob(t.db, { hostId, repositoryId: id, status: "queued" });
    const v =
      (await admin.json<{ repository: RepositoryView }>("GET", `/api/repositories/${id}`)).body
        .repository;
    assert.equal(v.activeJobId, jobId);
    const busy = await admin.json("DELETE", `/api/repositories/${id}`);
    assert.equal(busy.status, 409);
    assert.ok(isError(busy.body, "repository_busy"));
    assert.equal(await count(t), 1);
    await t.db.updateTable("jobs").set({ status: "ok" }).where("id", "=", jobId).execute();
    assert.equal((await operator.json("DELETE", `/api/repositories/${id}`)).status, 403);
    assert.equal((await admin.json("DELETE", `/api/repositories/${id}`)).status, 204);
    assert.equal(await count(t), 0);
    const audit = await t.db.selectFrom("audit_log").select("details")
      .where("action", "=", "repository.deleted").executeTakeFirstOrThrow();
    assert.match(audit.details, /not touched/);
  });
});
