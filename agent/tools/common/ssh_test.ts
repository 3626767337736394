import assert from "node:assert/strict";
import { ASKPASS_ENV, ASKPASS_SCRIPT, borgRsh, sftpCommand, sshEnv, sshOptionArgs } from "./ssh.ts";

Deno.test("ssh never prompts without a passphrase and pins the host key by default", () => {
  const args = sshOptionArgs({ keyFile: "/k" });
  assert.ok(args.join(" ").includes("-o BatchMode=yes"));
  assert.ok(args.join(" ").includes("-o StrictHostKeyChecking=yes"));
  assert.deepEqual(sshEnv({}), {});
});

Deno.test("a passphrase-protected key is unlocked through askpass, not BatchMode", () => {
  const ssh = {
    keyFile: "/k",
    keyPassphrase: { passphrase: "key-pass", askpassProgram: "/state/askpass" },
  };
  assert.ok(!sshOptionArgs(ssh).includes("BatchMode=yes"));
  assert.deepEqual(sshEnv(ssh), {
    SSH_ASKPASS: "/state/askpass",
    SSH_ASKPASS_REQUIRE: "force",
    [ASKPASS_ENV]: "key-pass",
  });
  assert.ok(!borgRsh(ssh).includes("key-pass"));
  assert.ok(!ASKPASS_SCRIPT.includes("key-pass"));
});

Deno.test("restic's sftp command names the host; borg's BORG_RSH leaves it to borg", () => {
  assert.match(sftpCommand({ user: "u", host: "h", port: 22 }), / -p 22 u@h -s sftp$/);
  assert.doesNotMatch(borgRsh({}), /@/);
});
