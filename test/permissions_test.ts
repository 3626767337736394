/**
 * `npm start` runs the appliance under Deno with a narrow permission set (scripts/deno_flags.mjs).
 * Every other process test runs with broader flags, so this one proves the production set is
 * enough: start with TLS off and on, then exercise the read paths that touch the database, the
 * file system and the TLS material.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { APPLIANCE_SYS, applianceDenoFlags } from "../scripts/deno_flags.mjs";
import { PROJECT_ROOT } from "../server/paths.ts";
import { startServerProcess } from "./helpers/server_process.ts";
import { fetchWith } from "./helpers/tls_client.ts";

const PASSWORD = "correct horse battery";

function narrowArgs(dataDir: string): string[] {
  return ["run", ...applianceDenoFlags({ root: PROJECT_ROOT, dataDir }), "server/main.ts"];
}

async function readPaths(base: string, client?: Deno.HttpClient) {
  const get = (path: string, cookie?: string) =>
    fetchWith(client, `${base}${path}`, { headers: cookie ? { cookie } : {} });
  const health = await get("/healthz");
  assert.equal(health.status, 200);
  assert.equal((await health.json()).status, "ok");
  const setup = await fetchWith(client, `${base}/api/auth/setup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: PASSWORD }),
  });
  assert.equal(setup.status, 201, await setup.clone().text());
  await setup.body?.cancel();
  const cookie = (setup.headers.get("set-cookie") ?? "").split(";")[0];
  for (const path of ["/api/auth/me", "/api/settings", "/api/dashboard", "/api/audit"]) {
    const res = await get(path, cookie);
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    await res.body?.cancel();
  }
}

Deno.test("the flags are narrow: no -A, no subprocesses, writes only to the data dir", () => {
  const flags = applianceDenoFlags({ root: "/opt/cairn", dataDir: "/var/lib/cairn" });
  assert.deepEqual(flags, [
    "--allow-net",
    "--allow-read=/opt/cairn,/var/lib/cairn",
    "--allow-write=/var/lib/cairn",
    "--allow-env",
    `--allow-sys=${APPLIANCE_SYS.join(",")}`,
    "--allow-ffi",
  ]);
  assert.throws(() => applianceDenoFlags({ root: "/a,b", dataDir: "/d" }), /comma/);
});

Deno.test("under npm start's permissions the appliance serves plain HTTP with TLS off", async () => {
  const srv = await startServerProcess({ denoArgs: narrowArgs });
  try {
    assert.match(srv.url, /^http:\/\//);
    await readPaths(srv.url);
    assert.equal(existsSync(join(srv.dataDir, "tls")), false, "no TLS material when TLS is off");
    assert.equal(await srv.stop(), 0);
  } finally {
    await srv.kill();
    await srv.cleanup();
  }
});

Deno.test("under npm start's permissions the appliance makes its CA and serves HTTPS with TLS on", async () => {
  const srv = await startServerProcess({ denoArgs: narrowArgs, env: { CAIRN_TLS: "on" } });
  const caPem = await Deno.readTextFile(join(srv.dataDir, "tls", "ca.crt"));
  const client = Deno.createHttpClient({ caCerts: [caPem] });
  try {
    assert.match(srv.url, /^https:\/\//);
    await readPaths(srv.url, client);
    const ca = await fetchWith(client, `${srv.url}/api/tls/ca.crt`);
    assert.equal(await ca.text(), caPem);
    assert.equal(await srv.stop(), 0);
  } finally {
    client.close();
    await srv.kill();
    await srv.cleanup();
  }
});

Deno.test("control: without the network-interface permission, TLS start-up fails plainly", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "cairn-perm-"));
  const args = narrowArgs(dataDir).map((a) =>
    a.startsWith("--allow-sys=") ? "--allow-sys=hostname,cpus" : a
  );
  try {
    await assert.rejects(
      startServerProcess({ dataDir, denoArgs: () => args, env: { CAIRN_TLS: "on" } }),
      /exited with 1 before listening[\s\S]*sys access to "networkInterfaces"/,
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
