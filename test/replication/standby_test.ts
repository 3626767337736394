/**
 * A primary and a standby as real processes on loopback: pairing (and its refusals), bootstrap
 * while writes continue, tailing, a kill -9 of the standby mid-stream, the read-only standby,
 * and per-table checksums equal after catch-up.
 */
import assert from "node:assert/strict";
import { ephemeralIdentity } from "../../server/agent_channel/identity.ts";
import { pairWithPrimary } from "../../server/replication/pairing.ts";
import { signedRequestHeaders } from "../../server/replication/signing.ts";
import {
  caughtUp,
  checksums,
  openWriter,
  pairingCode,
  startPrimary,
  startStandby,
  status,
  waitFor,
  writeRows,
} from "./rig.ts";
import { signIn } from "../agents/procs.ts";

function assertOk(r: { status: number; body: unknown }) {
  assert.ok(r.status < 300, `${r.status} ${JSON.stringify(r.body)}`);
}

const EVERY_TABLE = [
  "users",
  "api_tokens",
  "audit_log",
  "settings",
  "hosts",
  "host_contacts",
  "enrollment_tokens",
  "agent_commands",
  "agent_reports",
  "repositories",
  "plans",
  "jobs",
  "snapshots",
  "restores",
  "drills",
];

Deno.test("a standby pairs, bootstraps, tails, survives kill -9 and refuses writes", async (t) => {
  const primary = await startPrimary();
  const writer = openWriter(primary);
  let standby: Awaited<ReturnType<typeof startStandby>> | null = null;
  try {
    // Writes through the API and straight into the file, before the standby exists.
    assertOk(
      await primary.admin.json("POST", "/api/users", {
        username: "viewer1",
        password: "a long enough password",
        role: "viewer",
      }),
    );
    assertOk(await primary.admin.json("POST", "/api/tokens", { name: "ci", role: "operator" }));
    assertOk(await primary.admin.json("POST", "/api/enrollment-tokens", { name: "web" }));
    assertOk(await primary.admin.json("PATCH", "/api/settings", { applianceName: "main box" }));
    writeRows(writer, 50, "a");

    const code = await pairingCode(primary);
    await t.step("a wrong pairing code is refused and changes nothing", async () => {
      await assert.rejects(
        pairWithPrimary(ephemeralIdentity(), {
          primaryUrl: primary.url,
          code: "WRONG-WRONG-WRONG",
          selfUrl: null,
          now: Date.now(),
        }),
        /The pairing code is wrong/,
      );
      assert.equal((await status(primary)).peer, null);
    });

    standby = await startStandby(primary.url, { code });
    await t.step("bootstrap while writes continue, then tailing", async () => {
      let stop = false;
      let round = 0;
      const writing = (async () => {
        while (!stop) {
          writeRows(writer, 5, `b${round++}_`);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      await waitFor("standby paired and bootstrapped", async () => {
        const s = await status(standby!);
        return s.state === "ok" || s.state === "catching_up" ? s : null;
      });
      await new Promise((r) => setTimeout(r, 500));
      stop = true;
      await writing;
      await caughtUp(primary, standby!);
      const a = checksums(primary);
      const b = checksums(standby!);
      for (const table of EVERY_TABLE) assert.ok(a[table].rows > 0, `${table} has rows`);
      assert.deepEqual(b, a);
      const sa = await status(primary);
      const sb = await status(standby!);
      assert.equal(sb.role, "standby");
      assert.equal(sa.peer?.fingerprint, sb.fingerprint);
      assert.equal(sb.peer?.fingerprint, sa.fingerprint);
    });

    await t.step("a reused pairing code and an unknown key are refused", async () => {
      await assert.rejects(
        pairWithPrimary(ephemeralIdentity(), {
          primaryUrl: primary.url,
          code,
          selfUrl: null,
          now: Date.now(),
        }),
        /already used/,
      );
      const stranger = ephemeralIdentity();
      const path = "/api/replication/v1/changes?after=0&wait=0";
      const res = await fetch(primary.url + path, {
        headers: await signedRequestHeaders(stranger, {
          method: "GET",
          path,
          epoch: 1,
          now: Date.now(),
        }),
      });
      assert.equal(res.status, 403);
      assert.equal((await res.json()).error.code, "unknown_appliance");
      const snap = await fetch(primary.url + "/api/replication/v1/snapshot");
      assert.equal(snap.status, 403);
      await snap.body?.cancel();
    });

    await t.step("the standby reads but refuses writes with the primary's address", async () => {
      const admin = await signIn(standby!.url);
      const users = await admin.json<{ users: unknown[] }>("GET", "/api/users");
      assert.equal(users.status, 200);
      const before = checksums(standby!);
      const r = await admin.json<{ error: { code: string; message: string } }>(
        "POST",
        "/api/users",
        { username: "nope", password: "a long enough password", role: "viewer" },
      );
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, "standby_read_only");
      assert.equal(
        r.body.error.message,
        `This appliance is a standby; the primary is ${primary.url}`,
      );
      // A download or preview starts a job on a host: the same 409, before the query is read.
      for (const path of ["/api/downloads", "/api/preview"]) {
        const d = await admin.json<{ error: { code: string } }>("GET", `${path}?path=/etc`);
        assert.equal(d.status, 409, path);
        assert.equal(d.body.error.code, "standby_read_only");
      }
      const health = await (await fetch(`${standby!.url}/healthz`)).json();
      assert.equal(health.role, "standby");
      // Signing in touched last_login_at and the audit log on the standby: dropped there.
      assert.deepEqual(checksums(standby!), before);
    });

    await t.step("kill -9 of the standby mid-stream, restart, catch up", async () => {
      let stop = false;
      let round = 0;
      const writing = (async () => {
        while (!stop) {
          writeRows(writer, 3, `c${round++}_`);
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      await new Promise((r) => setTimeout(r, 400));
      await standby!.kill();
      await new Promise((r) => setTimeout(r, 300));
      // The primary sees its standby fall behind, in entries and in seconds (the lag alert's input).
      const behind = await status(primary);
      assert.ok(behind.lag.entries > 0, `entries ${behind.lag.entries}`);
      assert.ok(behind.lag.seconds !== null && behind.lag.seconds > 0.1, `${behind.lag.seconds}`);
      assert.equal(behind.state, "catching_up");
      const dataDir = standby!.dataDir;
      standby = await startStandby(primary.url, { dataDir });
      await new Promise((r) => setTimeout(r, 400));
      stop = true;
      await writing;
      await caughtUp(primary, standby);
      assert.deepEqual(checksums(standby), checksums(primary));
      const s = await status(standby);
      assert.equal(s.lastError, null);
    });
  } finally {
    writer.close();
    if (standby) {
      await standby.stop();
      await standby.cleanup();
    }
    await primary.stop();
    await primary.cleanup();
  }
});
