/**
 * The install script served by a real appliance, run against a temporary root: it downloads the
 * bundle (agent + Deno runtime) from the appliance, checks its SHA-256, installs, writes the
 * hardened unit, enrolls with the token; the agent it installed then runs from that root on its
 * own runtime and packages. The unit goes through `systemd-analyze verify` where that exists.
 */
import assert from "node:assert/strict";
import { lstat, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CreatedEnrollmentTokenView, HostsListView } from "../../server/contract/hosts.ts";
import { PROJECT_ROOT } from "../../server/paths.ts";
import {
  FAST_AGENT_ENV,
  hostStatus,
  removeDirs,
  startAppliance,
  tempDir,
  waitFor,
} from "./procs.ts";

function which(cmd: string): boolean {
  const path = Deno.env.get("PATH") ?? "";
  return path.split(":").some((d) => {
    try {
      return Deno.statSync(join(d, cmd)).isFile;
    } catch {
      return false; // not in this PATH entry
    }
  });
}

const HAS_ANALYZE = which("systemd-analyze");

async function sh(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command("sh", { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

const exists = (p: string) => lstat(p).then(() => true, () => false);

async function* files(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else yield p;
  }
}

/** Verifies a copy of the unit whose paths point into the temporary root (so they exist). */
async function analyze(root: string, unitText: string, work: string) {
  const copy = join(work, "cairn-agent.service");
  await writeFile(
    copy,
    unitText.replaceAll("/opt/cairn-agent", `${root}/opt/cairn-agent`)
      .replaceAll("/var/lib/cairn-agent", `${root}/var/lib/cairn-agent`),
  );
  const verify = await new Deno.Command("systemd-analyze", {
    args: ["verify", copy],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const security = await new Deno.Command("systemd-analyze", {
    args: ["security", "--offline=yes", copy],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const exposure = /Overall exposure level for cairn-agent\.service: ([\d.]+)/.exec(
    new TextDecoder().decode(security.stdout),
  );
  return {
    code: verify.code,
    warnings: new TextDecoder().decode(verify.stderr).trim(),
    exposure: exposure ? Number(exposure[1]) : null,
  };
}

Deno.test(
  `install/agent.sh against a temporary root: installs, enrolls, runs; uninstalls cleanly${
    HAS_ANALYZE
      ? "; the unit passes systemd-analyze verify"
      : " (systemd-analyze not found: unit check skipped)"
  }`,
  async () => {
    const a = await startAppliance();
    const root = await tempDir("cairn-root-");
    const work = await tempDir("cairn-install-");
    let agent: Deno.ChildProcess | null = null;
    try {
      const made = await a.admin.json<CreatedEnrollmentTokenView>(
        "POST",
        "/api/enrollment-tokens",
        { name: "installed" },
      );
      const script = await fetch(`${a.url}/install/agent.sh`);
      assert.equal(script.status, 200);
      assert.match(script.headers.get("content-type") ?? "", /shellscript/);
      const scriptFile = join(work, "agent.sh");
      await writeFile(scriptFile, await script.text());
      const fp = made.body.applianceFingerprint.replaceAll(" ", "");
      const env = { PATH: Deno.env.get("PATH") ?? "", HOME: work };
      const run = await sh([
        scriptFile,
        "--root",
        root,
        "--server",
        a.url,
        "--token",
        made.body.secret,
        "--appliance-fingerprint",
        fp,
      ], env);
      assert.equal(run.code, 0, run.text);
      assert.match(run.text, /systemctl skipped/);
      assert.match(run.text, /This host is approved/);

      const prefix = join(root, "opt/cairn-agent");
      assert.ok(
        ((await stat(join(prefix, "bin/deno"))).mode & 0o111) !== 0,
        "the runtime is executable",
      );
      assert.ok(await exists(join(prefix, "app/agent/main.ts")));
      assert.ok(await exists(join(prefix, "app/server/contract/agent.ts")));
      assert.ok(await exists(join(prefix, "app/node_modules/valibot/package.json")));
      assert.ok(!(await exists(join(prefix, "app/node_modules/libsql"))), "no native module ships");
      for await (const f of files(join(prefix, "app"))) {
        assert.ok(!f.endsWith("_test.ts"), `no tests shipped: ${f}`);
      }
      assert.equal(
        await Deno.readLink(join(root, "usr/local/bin/cairn-agent")),
        "/opt/cairn-agent/bin/cairn-agent",
      );
      const stateDir = join(root, "var/lib/cairn-agent");
      assert.equal((await stat(stateDir)).mode & 0o777, 0o700);
      assert.equal((await stat(join(stateDir, "identity.json"))).mode & 0o777, 0o600);
      const unit = await readFile(join(root, "etc/systemd/system/cairn-agent.service"), "utf8");
      for (
        const line of [
          "ExecStart=/opt/cairn-agent/bin/cairn-agent run --state-dir /var/lib/cairn-agent",
          "User=root",
          "CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_DAC_OVERRIDE CAP_FOWNER CAP_CHOWN",
          "NoNewPrivileges=yes",
          "ProtectSystem=strict",
          "ReadWritePaths=/var/lib/cairn-agent",
          "ProtectHome=read-only",
          "PrivateTmp=yes",
          "RestartPreventExitStatus=3 78",
        ]
      ) assert.ok(unit.includes(line), line);
      assert.ok(!/@[A-Z_]+@/.test(unit), "every placeholder was filled");

      const [host] = (await a.admin.json<HostsListView>("GET", "/api/hosts")).body.hosts;
      assert.equal(host.name, "installed");
      agent = new Deno.Command(join(prefix, "bin/cairn-agent"), {
        args: ["run", "--state-dir", stateDir],
        clearEnv: true,
        env: { ...env, ...FAST_AGENT_ENV, DENO_DIR: join(stateDir, "deno") },
        stdout: "null",
        stderr: "null",
      }).spawn();
      await waitFor(
        "the installed agent online",
        async () => (await hostStatus(a, host.id)) === "online",
        30_000,
      );

      if (HAS_ANALYZE) {
        const r = await analyze(root, unit, work);
        assert.equal(r.code, 0, r.warnings);
        assert.equal(r.warnings, "", "no warnings from systemd-analyze verify");
        if (r.exposure !== null) {
          console.log(`systemd-analyze security: exposure ${r.exposure}`);
          assert.ok(r.exposure < 4, `the sandbox keeps the exposure low (${r.exposure})`);
        }
      }

      agent.kill("SIGTERM");
      await agent.status;
      agent = null;
      const un = await sh([scriptFile, "--uninstall", "--root", root], env);
      assert.equal(un.code, 0, un.text);
      assert.ok(
        !(await exists(prefix)) &&
          !(await exists(join(root, "etc/systemd/system/cairn-agent.service"))),
      );
      assert.ok(!(await exists(join(root, "usr/local/bin/cairn-agent"))));
      assert.ok(
        await exists(join(stateDir, "identity.json")),
        "the identity stays without --purge",
      );
      const purge = await sh([scriptFile, "--uninstall", "--purge", "--root", root], env);
      assert.equal(purge.code, 0, purge.text);
      assert.ok(!(await exists(stateDir)));
    } finally {
      if (agent) {
        agent.kill("SIGKILL");
        await agent.status;
      }
      await a.stop();
      await removeDirs(root, work, a.dataDir);
    }
  },
);

Deno.test("install: a damaged bundle installs nothing; unknown or unavailable architectures are refused", async () => {
  const a = await startAppliance();
  const root = await tempDir("cairn-root-");
  const work = await tempDir("cairn-install-");
  try {
    const bad = join(work, "bad.tar.gz");
    await writeFile(bad, "this is not a bundle");
    const script = join(PROJECT_ROOT, "appliance/install/agent.sh");
    const r = await sh([script, "--root", root, "--bundle", bad], {
      PATH: Deno.env.get("PATH") ?? "",
    });
    assert.notEqual(r.code, 0);
    assert.ok(!(await exists(join(root, "opt/cairn-agent"))), "no half-installed program");
    const unknown = await fetch(`${a.url}/install/agent.tar.gz?arch=sparc`);
    assert.equal(unknown.status, 400);
    await unknown.body?.cancel();
    const missing = await fetch(`${a.url}/install/agent.tar.gz?arch=aarch64`);
    assert.equal(missing.status, 404, "this appliance holds no arm64 runtime");
    await missing.body?.cancel();
    const opts = await sh([script, "--prefix", "relative/path", "--root", root], {
      PATH: Deno.env.get("PATH") ?? "",
    });
    assert.notEqual(opts.code, 0);
  } finally {
    await a.stop();
    await removeDirs(root, work, a.dataDir);
  }
});
