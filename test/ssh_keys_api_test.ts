/**
 * /api/ssh-keys through the app: generating and importing keys in the formats people have
 * (OpenSSH, PEM PKCS#1 / SEC1, PKCS#8, with and without a passphrase), what is stored (sealed,
 * readable by ssh-keygen once opened), what is never answered, and the bad input that must be a
 * 400 / 403 / 404 / 409 with nothing written.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SshKeyView } from "../server/contract/backups.ts";
import { createTestContext } from "./helpers/app.ts";
import { assertSecretNowhere, isError, makeKey, sshKeygen } from "./helpers/backups_config.ts";

type Ctx = Awaited<ReturnType<typeof createTestContext>>;

async function withKeys(fn: (t: Ctx, dir: string) => Promise<void>) {
  const t = await createTestContext();
  const dir = await mkdtemp(join(tmpdir(), "cairn-keys-"));
  try {
    await fn(t, dir);
  } finally {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The stored private key, opened and read back by ssh-keygen: its public half. */
async function storedPublicKey(t: Ctx, dir: string, id: string): Promise<string> {
  const row = await t.db.selectFrom("ssh_keys").selectAll().where("id", "=", id)
    .executeTakeFirstOrThrow();
  assert.ok(row.private_key_sealed.startsWith("sb1:"), "the private key is sealed");
  if (row.passphrase_sealed !== null) assert.ok(row.passphrase_sealed.startsWith("sb1:"));
  const file = join(dir, `stored_${id}`);
  await writeFile(file, t.services.secretBox.open(row.private_key_sealed), { mode: 0o600 });
  const pass = row.passphrase_sealed ? t.services.secretBox.open(row.passphrase_sealed) : "";
  return (await sshKeygen(["-y", "-P", pass, "-f", file])).trim();
}

const count = async (t: Ctx) => (await t.db.selectFrom("ssh_keys").select("id").execute()).length;

Deno.test("ssh keys: a generated key is Ed25519 in OpenSSH format, and ssh-keygen agrees", async () => {
  await withKeys(async (t, dir) => {
    const { admin, viewer } = await t.signedInClients();
    const made = await admin.json<{ sshKey: SshKeyView }>("POST", "/api/ssh-keys", {
      body: { mode: "generate", name: "nas backup" },
    });
    assert.equal(made.status, 201);
    const k = made.body.sshKey;
    assert.equal(k.algorithm, "ssh-ed25519");
    assert.equal(k.origin, "generated");
    assert.equal(k.hasPassphrase, false);
    assert.match(k.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.doesNotMatch(JSON.stringify(made.body), /PRIVATE KEY/);
    const row = await t.db.selectFrom("ssh_keys").selectAll().where("id", "=", k.id)
      .executeTakeFirstOrThrow();
    assert.match(
      t.services.secretBox.open(row.private_key_sealed),
      /^-----BEGIN OPENSSH PRIVATE KEY-----\n/,
    );
    const pub = await storedPublicKey(t, dir, k.id);
    assert.equal(
      pub.split(" ").slice(0, 2).join(" "),
      k.publicKey.split(" ").slice(0, 2).join(" "),
    );
    await writeFile(join(dir, "gen.pub"), k.publicKey + "\n");
    assert.equal((await sshKeygen(["-lf", join(dir, "gen.pub")])).split(" ")[1], k.fingerprint);
    const list = await viewer.json<{ keys: SshKeyView[] }>("GET", "/api/ssh-keys");
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.keys.map((x) => x.id), [k.id]);
    const one = await viewer.json<{ sshKey: SshKeyView }>("GET", `/api/ssh-keys/${k.id}`);
    assert.deepEqual(one.body.sshKey, k);
  });
});

Deno.test("ssh keys: imports OpenSSH, PEM and PKCS#8 keys, encrypted or not, with ssh-keygen's fingerprint", async () => {
  await withKeys(async (t, dir) => {
    const { admin } = await t.signedInClients();
    const cases = [
      { name: "openssh-locked", type: "ed25519", passphrase: "openssh key passphrase 1" },
      { name: "openssh-plain", type: "ecdsa" },
      { name: "pem-rsa-locked", type: "rsa", format: "PEM", passphrase: "pem rsa passphrase 22" },
      { name: "pkcs8-ecdsa", type: "ecdsa", format: "PKCS8" },
      {
        name: "pkcs8-rsa-locked",
        type: "rsa",
        format: "PKCS8",
        passphrase: "pkcs8 passphrase 333",
      },
    ] as const;
    for (const c of cases) {
      const key = await makeKey(dir, c);
      const res = await admin.json<{ sshKey: SshKeyView }>("POST", "/api/ssh-keys", {
        body: {
          mode: "import",
          name: c.name,
          privateKey: key.text,
          passphrase: "passphrase" in c ? c.passphrase : undefined,
        },
      });
      assert.equal(res.status, 201, `${c.name}: ${JSON.stringify(res.body)}`);
      const v = res.body.sshKey;
      assert.equal(v.fingerprint, key.fingerprint, `${c.name}: the fingerprint ssh-keygen prints`);
      assert.equal(v.hasPassphrase, "passphrase" in c, c.name);
      assert.equal(v.publicKey.split(" ")[1], key.publicKey.split(" ")[1], c.name);
      assert.equal(
        (await storedPublicKey(t, dir, v.id)).split(" ")[1],
        key.publicKey.split(" ")[1],
        `${c.name}: ssh reads the stored key`,
      );
      if ("passphrase" in c) await assertSecretNowhere(t, c.passphrase);
    }
  });
});

Deno.test("ssh keys: a PKCS#8 Ed25519 key is stored again in OpenSSH format, which ssh reads", async () => {
  await withKeys(async (t, dir) => {
    const { admin } = await t.signedInClients();
    const file = join(dir, "ed.pem");
    const gen = await new Deno.Command("openssl", {
      args: ["genpkey", "-algorithm", "ed25519", "-out", file],
    }).output();
    assert.ok(gen.success);
    const text = await Deno.readTextFile(file);
    const res = await admin.json<{ sshKey: SshKeyView }>("POST", "/api/ssh-keys", {
      body: { mode: "import", name: "ed pem", privateKey: text },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.sshKey.algorithm, "ssh-ed25519");
    const pub = await storedPublicKey(t, dir, res.body.sshKey.id);
    assert.equal(pub.split(" ")[1], res.body.sshKey.publicKey.split(" ")[1]);
  });
});

Deno.test("ssh keys: wrong, missing passphrase, junk and duplicates are refused, nothing written", async () => {
  await withKeys(async (t, dir) => {
    const { admin, operator, viewer } = await t.signedInClients();
    const locked = await makeKey(dir, {
      name: "locked",
      type: "ed25519",
      passphrase: "right one 123",
    });
    const pem = await makeKey(dir, {
      name: "pem",
      type: "rsa",
      format: "PEM",
      passphrase: "right pem 456",
    });
    const tries: Array<[unknown, number, RegExp]> = [
      [
        { mode: "import", name: "a", privateKey: locked.text, passphrase: "wrong one" },
        400,
        /passphrase does not open/,
      ],
      [
        { mode: "import", name: "a", privateKey: locked.text },
        400,
        /encrypted: enter its passphrase/,
      ],
      [
        { mode: "import", name: "a", privateKey: pem.text, passphrase: "wrong pem" },
        400,
        /passphrase does not open/,
      ],
      [{ mode: "import", name: "a", privateKey: pem.text }, 400, /encrypted/],
      [
        { mode: "import", name: "a", privateKey: "ssh-ed25519 AAAA not a private key" },
        400,
        /format/,
      ],
      [
        {
          mode: "import",
          name: "a",
          privateKey: locked.text.replace(/[A-Za-z]{20}/, "A".repeat(20)),
          passphrase: "right one 123",
        },
        400,
        /./,
      ],
      [{ mode: "generate" }, 400, /name/],
      [{ mode: "steal", name: "x" }, 400, /mode/],
    ];
    for (const [body, status, message] of tries) {
      const res = await admin.json<{ error: { message: string } }>("POST", "/api/ssh-keys", {
        body,
      });
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.ok(isError(res.body), "the one error shape");
      assert.match(res.body.error.message, message);
      assert.ok(!JSON.stringify(res.body).includes("wrong"), "the passphrase sent is not echoed");
    }
    assert.equal(await count(t), 0, "nothing was written");
    for (const c of [operator, viewer]) {
      const res = await c.json("POST", "/api/ssh-keys", { body: { mode: "generate", name: "x" } });
      assert.equal(res.status, 403);
    }
    assert.equal(
      (await admin.json("POST", "/api/ssh-keys", { body: { mode: "generate", name: "k" } })).status,
      201,
    );
    const dup = await admin.json("POST", "/api/ssh-keys", {
      body: { mode: "generate", name: "k" },
    });
    assert.equal(dup.status, 409);
    assert.ok(isError(dup.body, "name_taken"));
    assert.equal(await count(t), 1);
    assert.equal(
      (await viewer.json("GET", "/api/ssh-keys/key_01jzzzzzzzzzzzzzzzzzzzzzzz")).status,
      404,
    );
    assert.ok(!t.logLines.some((l) => l.includes("right one 123") || l.includes("wrong")));
  });
});

Deno.test("ssh keys: a key in use cannot be deleted; an unused one can, and the audit says so", async () => {
  await withKeys(async (t) => {
    const { admin, operator } = await t.signedInClients();
    const k = (await admin.json<{ sshKey: SshKeyView }>("POST", "/api/ssh-keys", {
      body: { mode: "generate", name: "borg" },
    })).body.sshKey;
    const repo = await admin.json<{ repository: { id: string } }>("POST", "/api/repositories", {
      body: {
        name: "offsite",
        engine: "borg",
        location: { kind: "ssh", user: "borg", host: "nas.lan", path: "~/repo" },
        sshKeyId: k.id,
      },
    });
    assert.equal(repo.status, 201, JSON.stringify(repo.body));
    const used = await admin.json<{ sshKey: SshKeyView }>("GET", `/api/ssh-keys/${k.id}`);
    assert.deepEqual(used.body.sshKey.usedBy, [{ id: repo.body.repository.id, name: "offsite" }]);
    assert.equal((await operator.json("DELETE", `/api/ssh-keys/${k.id}`)).status, 403);
    const busy = await admin.json("DELETE", `/api/ssh-keys/${k.id}`);
    assert.equal(busy.status, 409);
    assert.ok(isError(busy.body, "ssh_key_in_use"));
    assert.equal(
      (await admin.json("DELETE", `/api/repositories/${repo.body.repository.id}`)).status,
      204,
    );
    assert.equal((await admin.json("DELETE", `/api/ssh-keys/${k.id}`)).status, 204);
    assert.equal(await count(t), 0);
    const audit = await t.db.selectFrom("audit_log").select(["action"]).where(
      "target_id",
      "=",
      k.id,
    )
      .orderBy("id").execute();
    // The test clock stands still, so ids of one millisecond do not sort by time.
    assert.deepEqual(audit.map((a) => a.action).sort(), ["ssh_key.deleted", "ssh_key.generated"]);
  });
});
