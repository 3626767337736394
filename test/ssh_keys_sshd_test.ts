/**
 * Keys made or imported through /api/ssh-keys, stored as Cairn stores them, log in to a real
 * sshd on 127.0.0.1; the authorized_keys lines Cairn hands out really restrict them: borg can
 * serve only the named repository, and the restic sftp line allows SFTP and nothing else.
 */
import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ASKPASS_ENV, ASKPASS_SCRIPT } from "../agent/tools/common/ssh.ts";
import type {
  AuthorizedKeysView,
  CreatedRepository,
  SshKeyView,
} from "../server/contract/backups.ts";
import { createTestContext } from "./helpers/app.ts";
import type { TestClient } from "./helpers/app.ts";
import { makeKey } from "./helpers/backups_config.ts";
import { startSshd } from "./helpers/sshd.ts";
import type { SshServer } from "./helpers/sshd.ts";

type Ctx = Awaited<ReturnType<typeof createTestContext>>;
const KEY_PASSPHRASE = "imported key passphrase 7";

async function rig(
  fn: (r: { t: Ctx; admin: TestClient; sshd: SshServer; dir: string }) => Promise<void>,
) {
  const t = await createTestContext();
  const sshd = await startSshd();
  const dir = await mkdtemp(join(tmpdir(), "cairn-keys-sshd-"));
  try {
    const { admin } = await t.signedInClients();
    await fn({ t, admin, sshd, dir });
  } finally {
    await sshd.stop();
    await t.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The key as the agent would get it: opened from its sealed column and written mode 0600. */
async function keyFileOf(t: Ctx, dir: string, id: string) {
  const row = await t.db.selectFrom("ssh_keys").selectAll().where("id", "=", id)
    .executeTakeFirstOrThrow();
  const file = join(dir, `agent_${id}`);
  await writeFile(file, t.services.secretBox.open(row.private_key_sealed), { mode: 0o600 });
  const passphrase = row.passphrase_sealed
    ? t.services.secretBox.open(row.passphrase_sealed)
    : null;
  return { file, passphrase };
}

async function sshEnv(dir: string, passphrase: string | null): Promise<Record<string, string>> {
  if (passphrase === null) return {};
  const askpass = join(dir, "askpass");
  await writeFile(askpass, ASKPASS_SCRIPT);
  await chmod(askpass, 0o700);
  return { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: "force", [ASKPASS_ENV]: passphrase };
}

function sshArgs(sshd: SshServer, file: string, passphrase: string | null): string[] {
  return [
    "-i",
    file,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    `UserKnownHostsFile=${sshd.knownHostsFile}`,
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    passphrase ? "PasswordAuthentication=no" : "BatchMode=yes",
    "-p",
    String(sshd.port),
  ];
}

async function run(cmd: string, args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(cmd, { args, env, stdin: "null" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

async function line(admin: TestClient, keyId: string, query = ""): Promise<string> {
  const res = await admin.json<AuthorizedKeysView>(
    "GET",
    `/api/ssh-keys/${keyId}/authorized-keys${query}`,
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.line;
}

Deno.test("ssh keys over sshd: generated and imported passphrase-protected keys log in as stored", async () => {
  await rig(async ({ t, admin, sshd, dir }) => {
    const generated = (await admin.json<{ sshKey: SshKeyView }>("POST", "/api/ssh-keys", {
      body: { mode: "generate", name: "generated" },
    })).body.sshKey;
    const made = await makeKey(dir, { name: "mine", type: "ed25519", passphrase: KEY_PASSPHRASE });
    const imported = (await admin.json<{ sshKey: SshKeyView }>("POST", "/api/ssh-keys", {
      body: { mode: "import", name: "imported", privateKey: made.text, passphrase: KEY_PASSPHRASE },
    })).body.sshKey;
    for (const key of [generated, imported]) {
      const restricted = await line(admin, key.id);
      assert.equal(restricted, `restrict ${key.publicKey}`);
      await sshd.authorize([restricted]);
      const { file, passphrase } = await keyFileOf(t, dir, key.id);
      const env = await sshEnv(dir, passphrase);
      const r = await run("ssh", [
        ...sshArgs(sshd, file, passphrase),
        `${sshd.user}@127.0.0.1`,
        "echo",
        "in-as-cairn",
      ], env);
      assert.equal(r.code, 0, `${key.name}: ${r.text}`);
      assert.match(r.text, /in-as-cairn/);
      assert.ok(
        sshd.log.some((l) => l.includes("Accepted publickey") && l.includes(key.fingerprint)),
        key.name,
      );
    }
    const wrongKey = await makeKey(dir, { name: "stranger", type: "ed25519" });
    const refused = await run("ssh", [
      ...sshArgs(sshd, wrongKey.file, null),
      `${sshd.user}@127.0.0.1`,
      "true",
    ], {});
    assert.notEqual(refused.code, 0, "a key that is not authorized does not get in");
  });
});

Deno.test("ssh keys over sshd: the borg line serves only its repository", async () => {
  await rig(async ({ t, admin, sshd, dir }) => {
    const key = (await admin.json<{ sshKey: SshKeyView }>("POST", "/api/ssh-keys", {
      body: { mode: "generate", name: "borg" },
    })).body.sshKey;
    const path = join(sshd.dir, "borg-repo");
    const repo = await admin.json<CreatedRepository>("POST", "/api/repositories", {
      body: {
        name: "b",
        engine: "borg",
        location: { kind: "ssh", user: sshd.user, host: "127.0.0.1", port: sshd.port, path },
        sshKeyId: key.id,
      },
    });
    assert.equal(repo.status, 201, JSON.stringify(repo.body));
    const l = await line(admin, key.id, `?repositoryId=${repo.body.repository.id}&appendOnly=true`);
    assert.equal(
      l,
      `command="borg serve --restrict-to-repository ${path} --append-only",restrict ${key.publicKey}`,
    );
    await sshd.authorize([l]);
    const { file } = await keyFileOf(t, dir, key.id);
    const env = {
      BORG_RSH: ["ssh", ...sshArgs(sshd, file, null)].filter((a) =>
        a !== "-p" && a !== String(sshd.port)
      ).join(" "),
      BORG_PASSPHRASE: repo.body.passphrase!,
      BORG_BASE_DIR: join(dir, "borg-base"),
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
    };
    const url = (p: string) => `ssh://${sshd.user}@127.0.0.1:${sshd.port}${p}`;
    const init = await run("borg", ["init", "--encryption=repokey-blake2", url(path)], env);
    assert.equal(init.code, 0, init.text);
    assert.equal((await run("borg", ["list", url(path)], env)).code, 0);
    const other = await run("borg", [
      "init",
      "--encryption=repokey-blake2",
      url(join(sshd.dir, "other")),
    ], env);
    assert.notEqual(other.code, 0, "another path is refused");
    assert.match(other.text, /not allowed|restrict|PathNotAllowed/i);
    const shell = await run(
      "ssh",
      [...sshArgs(sshd, file, null), `${sshd.user}@127.0.0.1`, "id"],
      {},
    );
    assert.doesNotMatch(shell.text, /uid=/, "no shell command runs through the key");
  });
});

Deno.test("ssh keys over sshd: the restic sftp line allows restic over SFTP and refuses a shell", async () => {
  await rig(async ({ t, admin, sshd, dir }) => {
    const key = (await admin.json<{ sshKey: SshKeyView }>("POST", "/api/ssh-keys", {
      body: { mode: "generate", name: "restic" },
    })).body.sshKey;
    const path = join(sshd.dir, "restic-repo");
    const repo = await admin.json<CreatedRepository>("POST", "/api/repositories", {
      body: {
        name: "r",
        engine: "restic",
        location: { kind: "sftp", user: sshd.user, host: "127.0.0.1", port: sshd.port, path },
        sshKeyId: key.id,
      },
    });
    assert.equal(repo.status, 201, JSON.stringify(repo.body));
    const l = await line(admin, key.id, `?repositoryId=${repo.body.repository.id}`);
    assert.equal(l, `command="internal-sftp",restrict ${key.publicKey}`);
    await sshd.authorize([l]);
    const { file } = await keyFileOf(t, dir, key.id);
    const sftp = ["ssh", ...sshArgs(sshd, file, null), `${sshd.user}@127.0.0.1`, "-s", "sftp"].join(
      " ",
    );
    const env = { RESTIC_PASSWORD: repo.body.passphrase!, RESTIC_CACHE_DIR: join(dir, "cache") };
    const r = ["-r", `sftp:${sshd.user}@127.0.0.1:${path}`, "-o", `sftp.command=${sftp}`];
    const init = await run("restic", [...r, "init"], env);
    assert.equal(init.code, 0, init.text);
    await writeFile(join(dir, "file.txt"), "hello");
    const backup = await run("restic", [...r, "backup", join(dir, "file.txt")], env);
    assert.equal(backup.code, 0, backup.text);
    const shell = await run(
      "ssh",
      [...sshArgs(sshd, file, null), `${sshd.user}@127.0.0.1`, "id"],
      {},
    );
    assert.notEqual(shell.code, 0);
    assert.match(shell.text, /sftp connections only/);
  });
});
