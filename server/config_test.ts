import assert from "node:assert/strict";
import { ConfigError, readConfig } from "./config.ts";

Deno.test("defaults bring the appliance up on localhost:8080 with ./data and TLS off", () => {
  const c = readConfig({});
  assert.deepEqual(c.listen, { hostname: "127.0.0.1", port: 8080 });
  assert.equal(c.dataDir, "./data");
  assert.equal(c.tls, "off");
  assert.equal(c.logLevel, "info");
  assert.deepEqual(c.trustedProxies, []);
});

Deno.test("TLS on listens on all addresses at 8443 unless told otherwise", () => {
  assert.deepEqual(readConfig({ CAIRN_TLS: "on" }).listen, { hostname: "0.0.0.0", port: 8443 });
  assert.deepEqual(readConfig({ CAIRN_TLS: "on", CAIRN_LISTEN: "[::]:443" }).listen, {
    hostname: "::",
    port: 443,
  });
});

Deno.test("a bad value names its variable and never echoes the value", () => {
  const cases: [Record<string, string>, string][] = [
    [{ CAIRN_LISTEN: "secret-value-8080" }, "CAIRN_LISTEN"],
    [{ CAIRN_LISTEN: "host:99999" }, "CAIRN_LISTEN"],
    [{ CAIRN_TLS: "yes-secret-value" }, "CAIRN_TLS"],
    [{ CAIRN_LOG_LEVEL: "loud-secret-value" }, "CAIRN_LOG_LEVEL"],
    [{ CAIRN_BASE_URL: "ftp://secret-value" }, "CAIRN_BASE_URL"],
    [{ CAIRN_TRUSTED_PROXIES: "10.0.0.1, secret-value" }, "CAIRN_TRUSTED_PROXIES"],
    [{ CAIRN_ADMIN_PASSWORD: "short" }, "CAIRN_ADMIN_PASSWORD"],
    [{ CAIRN_SESSION_IDLE_MINUTES: "0" }, "CAIRN_SESSION_IDLE_MINUTES"],
    [{ CAIRN_MAX_BODY_BYTES: "lots-secret-value" }, "CAIRN_MAX_BODY_BYTES"],
    [{ CAIRN_ALERT_TICK_MS: "100" }, "CAIRN_ALERT_TICK_MS"],
    [{ CAIRN_DRILL_TICK_MS: "60000" }, "CAIRN_DRILL_TICK_MS"],
  ];
  for (const [env, variable] of cases) {
    assert.throws(() => readConfig(env), (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.variable, variable);
      assert.ok(e.message.startsWith(`${variable}: `));
      assert.ok(!e.message.includes("secret-value"), "the bad value is not repeated");
      return true;
    });
  }
});

Deno.test("trusted proxies and TLS host names are comma-separated lists", () => {
  const c = readConfig({
    CAIRN_TRUSTED_PROXIES: "10.0.0.1, 192.168.1.0/24,fd00::/8",
    CAIRN_TLS_HOSTNAMES: "nas.lan, backup.home",
  });
  assert.deepEqual(c.trustedProxies, ["10.0.0.1", "192.168.1.0/24", "fd00::/8"]);
  assert.deepEqual(c.tlsHostnames, ["nas.lan", "backup.home"]);
});
