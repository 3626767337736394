/**
 * The host lifecycle with real processes on loopback: the agent program against a real
 * appliance. Enroll → pending → approve → online; reject, refused forever; token enrollment;
 * revoke, and the running agent stops at once.
 */
import assert from "node:assert/strict";
import type { HostsListView } from "../../server/contract/hosts.ts";
import type { CreatedEnrollmentTokenView } from "../../server/contract/hosts.ts";
import {
  agentCommand,
  applianceDb,
  hostStatus,
  removeDirs,
  spawnAgent,
  startAppliance,
  tempDir,
  waitFor,
} from "./procs.ts";

Deno.test("enroll → pending → approve: the host shows online and runs a command the admin queued", async () => {
  const a = await startAppliance();
  const stateDir = await tempDir("cairn-agent-");
  let running: ReturnType<typeof spawnAgent> | null = null;
  try {
    const id = JSON.parse((await agentCommand(["id", "--json"], { stateDir })).out);
    const enrolled = await agentCommand(["enroll", "--server", a.url], { stateDir });
    assert.equal(enrolled.code, 0, enrolled.out);
    assert.match(enrolled.out, /waits for an admin/);
    assert.ok(enrolled.out.includes(id.phrase), "the agent shows its phrase to compare");
    const list = (await a.admin.json<HostsListView>("GET", "/api/hosts")).body;
    assert.equal(list.hosts.length, 1);
    const host = list.hosts[0];
    assert.equal(host.status, "pending");
    assert.equal(host.fingerprint, id.fingerprint);
    assert.equal(host.phrase, id.phrase);
    assert.equal(host.enrolledIp, "127.0.0.1");

    running = spawnAgent(["run"], { stateDir });
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await hostStatus(a, host.id), "pending", "a pending host gets no session");
    assert.equal((await a.admin.json("POST", `/api/hosts/${host.id}/approve`, {})).status, 200);
    await waitFor(
      "the host to show online",
      async () => (await hostStatus(a, host.id)) === "online",
    );
    const ping = await a.admin.json<{ commandId: string }>(
      "POST",
      `/api/hosts/${host.id}/ping`,
      {},
    );
    const db = applianceDb(a.dataDir);
    try {
      const result = await waitFor("the ping's result report", () =>
        db.all(
          "SELECT body FROM agent_reports WHERE host_id = ? AND kind = 'command.result'",
          host.id,
        ).map((r) => JSON.parse(r.body)).find((b) => b.commandId === ping.body.commandId));
      assert.equal(result.ok, true);
      await waitFor(
        "the command ack",
        () =>
          db.count(
            "SELECT COUNT(*) AS n FROM agent_commands WHERE id = ? AND acked_at IS NOT NULL",
            ping.body.commandId,
          ) === 1,
      );
    } finally {
      db.close();
    }
    const status = JSON.parse((await agentCommand(["status", "--json"], { stateDir })).out);
    assert.equal(status.live, "approved");
    assert.equal(status.service.state, "approved");
    assert.equal(await running.kill("SIGTERM"), 0, "SIGTERM stops the service cleanly");
  } finally {
    await running?.kill("SIGKILL");
    await a.stop();
    await removeDirs(stateDir, a.dataDir);
  }
});

Deno.test("a rejected host is refused from then on: the service stops and enrolling again fails", async () => {
  const a = await startAppliance();
  const stateDir = await tempDir("cairn-agent-");
  try {
    assert.equal((await agentCommand(["enroll", "--server", a.url], { stateDir })).code, 0);
    const [host] = (await a.admin.json<HostsListView>("GET", "/api/hosts")).body.hosts;
    const running = spawnAgent(["run"], { stateDir });
    await a.admin.json("POST", `/api/hosts/${host.id}/reject`);
    assert.equal(await running.exited, 3, "the service stops with exit code 3");
    assert.ok(running.lines.some((l) => l.includes("rejected")));
    const again = await agentCommand(["enroll", "--server", a.url], { stateDir });
    assert.equal(again.code, 3);
    const token = await a.admin.json<CreatedEnrollmentTokenView>(
      "POST",
      "/api/enrollment-tokens",
      {},
    );
    const withToken = await agentCommand([
      "enroll",
      "--server",
      a.url,
      "--token",
      token.body.secret,
    ], { stateDir });
    assert.equal(withToken.code, 3, "not even a token lets a rejected key in");
    assert.equal((await a.admin.json("POST", `/api/hosts/${host.id}/approve`, {})).status, 409);
  } finally {
    await a.stop();
    await removeDirs(stateDir, a.dataDir);
  }
});

Deno.test("token enrollment approves at once; a wrong appliance fingerprint stops before anything is sent", async () => {
  const a = await startAppliance();
  const stateDir = await tempDir("cairn-agent-");
  const running: ReturnType<typeof spawnAgent>[] = [];
  try {
    const made = await a.admin.json<CreatedEnrollmentTokenView>("POST", "/api/enrollment-tokens", {
      name: "db1",
    });
    const fp = made.body.applianceFingerprint.replaceAll(" ", "");
    const wrong = await agentCommand(
      [
        "enroll",
        "--server",
        a.url,
        "--token",
        made.body.secret,
        "--appliance-fingerprint",
        "ab".repeat(32),
      ],
      { stateDir },
    );
    assert.equal(wrong.code, 78);
    assert.match(wrong.out, /fingerprint/);
    assert.equal((await a.admin.json<HostsListView>("GET", "/api/hosts")).body.hosts.length, 0);
    const ok = await agentCommand(
      ["enroll", "--server", a.url, "--token", made.body.secret, "--appliance-fingerprint", fp],
      { stateDir },
    );
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /approved/);
    const [host] = (await a.admin.json<HostsListView>("GET", "/api/hosts")).body.hosts;
    assert.equal(host.name, "db1");
    running.push(spawnAgent(["run"], { stateDir }));
    await waitFor(
      "the host to show online",
      async () => (await hostStatus(a, host.id)) === "online",
    );
    const second = await tempDir("cairn-agent-");
    try {
      const reuse = await agentCommand(["enroll", "--server", a.url, "--token", made.body.secret], {
        stateDir: second,
      });
      assert.equal(reuse.code, 1);
      assert.match(reuse.out, /token/);
    } finally {
      await removeDirs(second);
    }
  } finally {
    for (const p of running) await p.kill("SIGKILL");
    await a.stop();
    await removeDirs(stateDir, a.dataDir);
  }
});

Deno.test("revoke: the running agent's session ends at once and the service stops", async () => {
  const a = await startAppliance();
  const stateDir = await tempDir("cairn-agent-");
  try {
    const made = await a.admin.json<CreatedEnrollmentTokenView>(
      "POST",
      "/api/enrollment-tokens",
      {},
    );
    assert.equal(
      (await agentCommand(["enroll", "--server", a.url, "--token", made.body.secret], { stateDir }))
        .code,
      0,
    );
    const [host] = (await a.admin.json<HostsListView>("GET", "/api/hosts")).body.hosts;
    const running = spawnAgent(["run"], { stateDir });
    await waitFor(
      "the host to show online",
      async () => (await hostStatus(a, host.id)) === "online",
    );
    const db = applianceDb(a.dataDir);
    try {
      assert.ok(
        db.count("SELECT COUNT(*) AS n FROM agent_sessions WHERE host_id = ?", host.id) >= 1,
      );
      const t0 = performance.now();
      assert.equal((await a.admin.json("POST", `/api/hosts/${host.id}/revoke`)).status, 200);
      assert.equal(
        db.count("SELECT COUNT(*) AS n FROM agent_sessions WHERE host_id = ?", host.id),
        0,
      );
      assert.equal(await running.exited, 3);
      assert.ok(
        performance.now() - t0 < 4000,
        "the parked long-poll was released, not left to time out",
      );
    } finally {
      db.close();
    }
    assert.equal(await hostStatus(a, host.id), "revoked");
  } finally {
    await a.stop();
    await removeDirs(stateDir, a.dataDir);
  }
});
