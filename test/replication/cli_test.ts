/**
 * `scripts/cairn.mjs promote` against two real appliances: the typed confirmation, a wrong and
 * a non-admin token refused with the reason and nothing promoted, status, promotion with the
 * primary gone, and a second promotion told there is nothing to do; `detach` the same way. The
 * token never shows.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../../server/paths.ts";
import { registerTestSecret } from "../helpers/log_capture.ts";
import { caughtUp, pairingCode, startPrimary, startStandby, status } from "./rig.ts";
import type { Node } from "./rig.ts";

async function cli(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command("node", {
    args: ["scripts/cairn.mjs", ...args],
    cwd: PROJECT_ROOT,
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "", ...env },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

async function token(primary: Node & { admin: NonNullable<Node["admin"]> }, role: string) {
  const r = await primary.admin.json<{ secret: string }>("POST", "/api/tokens", {
    name: `cli ${role}`,
    role,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  registerTestSecret(r.body.secret);
  return r.body.secret;
}

Deno.test("cairn.mjs promote: confirmation, refusals with reasons, promotion, nothing twice", async () => {
  const primary = await startPrimary();
  let standby: Node | null = null;
  try {
    const admin = await token(primary, "admin");
    const operator = await token(primary, "operator");
    standby = await startStandby(primary.url, { code: await pairingCode(primary) });
    await caughtUp(primary, standby);
    const url = standby.url;
    const never = (text: string) => {
      assert.ok(!text.includes(admin) && !text.includes(operator), "a token was printed");
    };

    let r = await cli(["promote", "--url", url, "--token", admin]);
    assert.equal(r.code, 2);
    assert.match(r.text, /promotion needs --confirm promote/);
    r = await cli(["promote", "--url", url, "--token", admin, "--confirm", "yes"]);
    assert.equal(r.code, 2);
    r = await cli(["promote", "--confirm", "promote"], { CAIRN_URL: url });
    assert.equal(r.code, 2);
    assert.match(r.text, /give an API token with --token or CAIRN_TOKEN/);
    r = await cli(["promote", "--url", url, "--confirm", "promote"], {
      CAIRN_TOKEN: "cairn_" + "x".repeat(43),
    });
    assert.equal(r.code, 1);
    assert.match(r.text, /the appliance refused: .*\(the token is wrong or revoked\)/);
    r = await cli(["promote", "--url", url, "--token", operator, "--confirm", "promote"]);
    assert.equal(r.code, 1);
    assert.match(r.text, /this needs an admin's token/);
    never(r.text);
    r = await cli(["promote", "--url", "http://127.0.0.1:1", "--confirm=promote"], {
      CAIRN_TOKEN: admin,
    });
    assert.equal(r.code, 1);
    assert.match(r.text, /could not reach http:\/\/127\.0\.0\.1:1/);
    assert.equal((await status(standby)).role, "standby", "nothing was promoted");

    r = await cli(["status", "--url", url], { CAIRN_TOKEN: admin });
    assert.equal(r.code, 0, r.text);
    assert.match(r.text, /role: +standby, epoch 1/);
    assert.match(r.text, new RegExp(`primary: +${primary.url}`));

    await primary.stop();
    r = await cli(["promote", "--url", url, "--confirm", "promote"], { CAIRN_TOKEN: admin });
    assert.equal(r.code, 0, r.text);
    assert.match(r.text, /is now the primary \(epoch 2\)/);
    never(r.text);
    const after = await status(standby);
    assert.equal(after.role, "primary");
    assert.equal(after.epoch, 2);

    r = await cli(["promote", "--url", url, "--confirm", "promote"], { CAIRN_TOKEN: admin });
    assert.equal(r.code, 1);
    assert.match(r.text, /is already the primary \(epoch 2\); nothing to do/);
    assert.equal((await status(standby)).epoch, 2);

    // detach, on the new primary (its peer, the old primary, is gone): same conventions.
    r = await cli(["detach", "--url", url, "--confirm", "yes"], { CAIRN_TOKEN: admin });
    assert.equal(r.code, 2);
    assert.match(r.text, /detaching needs --confirm detach/);
    assert.ok((await status(standby)).peer !== null, "nothing was detached");
    r = await cli(["detach", "--url", url, "--confirm", "detach"], { CAIRN_TOKEN: admin });
    assert.equal(r.code, 0, r.text);
    assert.match(r.text, /no longer has a standby and accepts writes alone/);
    never(r.text);
    assert.equal((await status(standby)).peer, null);
    r = await cli(["detach", "--url", url, "--confirm", "detach"], { CAIRN_TOKEN: admin });
    assert.equal(r.code, 1);
    assert.match(r.text, /has no standby; nothing to do/);
  } finally {
    await standby?.stop();
    await primary.stop();
    await standby?.cleanup();
    await primary.cleanup();
  }
});
