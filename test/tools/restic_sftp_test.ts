/**
 * restic 0.14 through the driver to `sftp:` via a throwaway sshd on 127.0.0.1: our own key,
 * a pinned host key, a passphrase-protected key unlocked through askpass, and the failures
 * people meet first (unknown host key, key not accepted, server down).
 */
import assert from "node:assert/strict";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SshOptions } from "../../agent/tools/common/ssh.ts";
import { ASKPASS_SCRIPT } from "../../agent/tools/common/ssh.ts";
import { spawnProcess } from "../../agent/platform/process.ts";
import { createResticDriver } from "../../agent/tools/restic/driver.ts";
import { probeSftp } from "../../agent/tools/restic/sftp_probe.ts";
import { type SshServer, startSshd } from "../helpers/sshd.ts";
import { freeLoopbackPort } from "../helpers/ports.ts";
import { assertNoSecrets, assertSameTree, withTempDir } from "./fixtures.ts";
import { writeTree } from "./tree.ts";

const PASSWORD = "restic-sftp-repo-password-8f2d6b";
const KEY_PASSPHRASE = "restic-sftp-key-passphrase-3a7c90";

function sftpDriver(
  sshd: SshServer,
  { dir, ssh, port = sshd.port }: { dir: string; ssh: SshOptions; port?: number },
) {
  return createResticDriver({
    repository: {
      kind: "sftp",
      user: sshd.user,
      host: sshd.host,
      port,
      path: join(dir, "repo"),
      ssh,
    },
    password: PASSWORD,
    cacheDir: join(dir, "cache"),
  });
}

Deno.test("restic over sftp: init, backup, snapshots, restore through our own sshd", async () => {
  const sshd = await startSshd();
  try {
    await withTempDir("restic-sftp", async (dir) => {
      const key = await sshd.newClientKey("restic");
      await sshd.authorize([key.publicKey]);
      const src = join(dir, "src");
      await writeTree(src, { files: 12, fileSize: 32 * 1024, perDir: 6 });
      const d = sftpDriver(sshd, {
        dir,
        ssh: { keyFile: key.privateKeyFile, knownHostsFile: sshd.knownHostsFile },
      });
      const init = await d.run("init", {});
      assert.equal(init.status, "ok", init.tail);
      const backup = await d.run("backup", { sources: [src], hostname: "web1" });
      assert.equal(backup.status, "ok", backup.tail);
      const snaps = (await d.run("snapshots", {})).result!.snapshots;
      assert.deepEqual(snaps.map((s) => s.shortId), [backup.result!.snapshotId]);
      const target = join(dir, "restored");
      assert.equal(
        (await d.run("restore", { snapshot: "latest", hosts: ["web1"], target })).status,
        "ok",
      );
      await assertSameTree(src, join(target, src));
      assert.ok(
        sshd.log.some((l) => l.includes("Accepted publickey")),
        "it really went through sshd",
      );
      assertNoSecrets([PASSWORD], init, backup);
    });
  } finally {
    await sshd.stop();
  }
});

Deno.test("restic over sftp with a passphrase-protected key, unlocked through askpass", async () => {
  const sshd = await startSshd();
  try {
    await withTempDir("restic-sftp-pass", async (dir) => {
      const key = await sshd.newClientKey("locked", KEY_PASSPHRASE);
      await sshd.authorize([key.publicKey]);
      const askpass = join(dir, "askpass");
      await writeFile(askpass, ASKPASS_SCRIPT);
      await chmod(askpass, 0o700);
      const ssh: SshOptions = {
        keyFile: key.privateKeyFile,
        knownHostsFile: sshd.knownHostsFile,
        keyPassphrase: { passphrase: KEY_PASSPHRASE, askpassProgram: askpass },
      };
      const init = await sftpDriver(sshd, { dir, ssh }).run("init", {});
      assert.equal(init.status, "ok", init.tail);
      const withoutPassphrase = await sftpDriver(sshd, {
        dir,
        ssh: { ...ssh, keyPassphrase: undefined },
      })
        .run("snapshots", {});
      assert.equal(withoutPassphrase.failure?.code, "permission_denied");
      assertNoSecrets([PASSWORD, KEY_PASSPHRASE], init, withoutPassphrase);
    });
  } finally {
    await sshd.stop();
  }
});

Deno.test("restic over sftp explains an unknown host key, a refused key and a server that is down", async () => {
  const sshd = await startSshd();
  try {
    await withTempDir("restic-sftp-fail", async (dir) => {
      const key = await sshd.newClientKey("restic");
      const stranger = await sshd.newClientKey("stranger");
      await sshd.authorize([key.publicKey]);
      const emptyKnownHosts = join(dir, "known_hosts_empty");
      await writeFile(emptyKnownHosts, "");
      const unknownHost = await sftpDriver(sshd, {
        dir,
        ssh: { keyFile: key.privateKeyFile, knownHostsFile: emptyKnownHosts },
      }).run("snapshots", {});
      assert.deepEqual(unknownHost.failure, {
        code: "unreachable",
        message: "The SSH server's host key is not known; refusing to connect until it is added.",
      });
      const probed = await probeSftp({
        kind: "sftp",
        user: sshd.user,
        host: sshd.host,
        port: sshd.port,
        path: "/unused",
        ssh: { keyFile: key.privateKeyFile, knownHostsFile: emptyKnownHosts },
      }, spawnProcess);
      assert.ok(
        probed.includes("subprocess ssh: Host key verification failed."),
        probed.join("\n"),
      );
      const refused = await sftpDriver(sshd, {
        dir,
        ssh: { keyFile: stranger.privateKeyFile, knownHostsFile: sshd.knownHostsFile },
      }).run("snapshots", {});
      assert.deepEqual(refused.failure, {
        code: "permission_denied",
        message: "The SSH server refused the key.",
      });
      const down = await sftpDriver(sshd, {
        dir,
        ssh: { keyFile: key.privateKeyFile, knownHostsFile: sshd.knownHostsFile },
        port: freeLoopbackPort(),
      }).run("snapshots", {});
      assert.equal(down.failure?.code, "unreachable");
    });
  } finally {
    await sshd.stop();
  }
});
