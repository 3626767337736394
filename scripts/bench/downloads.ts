/**
 * Download figures (issue 6), through the whole of Cairn: the real appliance, a real agent, real
 * restic and borg, one incompressible file of CAIRN_BENCH_MB (default 1024) MiB in a snapshot.
 *
 *   deno run -A scripts/bench/downloads.ts
 *   CAIRN_BENCH_MB=256 CAIRN_BENCH_ENGINES=restic CAIRN_BENCH_ROUNDS=1 deno run -A scripts/bench/downloads.ts
 *   CAIRN_BENCH_CLIENT=deno ...   (both files written by this process, as first measured)
 *
 * 1. Throughput: the file downloaded raw through the appliance (GET /api/downloads) against the
 *    tool's own extract of the same file (`restic dump` / `borg extract --stdout`), both into a
 *    local file, alternating, medians of the rounds. Target ≥ 80 %. By default the tool writes
 *    its file itself (a shell redirect) and curl, standing in for a browser, writes the download:
 *    a JavaScript reader in this process would take CPU from the tool on one side only.
 * 2. CPU seconds per GiB by hop (the tool, the agent, the appliance, the client), from
 *    /proc/<pid>/stat: on a shared 2-core machine the relay's CPU is taken from the tool, so this
 *    says where a download's time goes even when the load average moves the MB/s.
 * 3. Memory: the appliance's and the agent's RSS sampled every 50 ms during those downloads,
 *    against their RSS just before: flat means the peak stays within a few tens of MB of it,
 *    whatever the file's size.
 * 4. Backpressure: a browser reading at about 20 MB/s for 3 s; the agent's and the appliance's
 *    RSS stay flat (nothing piles up in between), and the tool is stopped when the browser goes.
 */
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SnapshotView } from "../../server/contract/backups.ts";
import { ADMIN_PASSWORD } from "../../test/agents/procs.ts";
import { type BackupRig, startBackupRig } from "../../test/e2e/backup_rig.ts";

const MB = Number(Deno.env.get("CAIRN_BENCH_MB") ?? 1024);
const ROUNDS = Number(Deno.env.get("CAIRN_BENCH_ROUNDS") ?? 2);
const ENGINES = (Deno.env.get("CAIRN_BENCH_ENGINES") ?? "restic,borg").split(",") as Array<
  "restic" | "borg"
>;
/**
 * Who writes the file: "native" (default) has the tool write it itself (a shell redirect) and
 * curl download through Cairn, so neither side pays for a JavaScript reader; "deno" reads both
 * in this process, as the first measurements did.
 */
const CLIENT = Deno.env.get("CAIRN_BENCH_CLIENT") ?? "native";
const SECRET = "bench-download-pass-71c2e9";

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const row = (name: string, value: string, target: string, pass: boolean) =>
  console.log(`${name}: ${value} (target ${target}) ${pass ? "PASS" : "MISS"}`);

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function sampler(pids: { appliance: number; agent: number }) {
  const peak = { appliance: 0, agent: 0 };
  const base = { appliance: rssMb(pids.appliance), agent: rssMb(pids.agent) };
  const timer = setInterval(() => {
    peak.appliance = Math.max(peak.appliance, rssMb(pids.appliance));
    peak.agent = Math.max(peak.agent, rssMb(pids.agent));
  }, 50);
  return { base, peak, stop: () => clearInterval(timer) };
}

/** CPU seconds a process used so far: its own, and its waited-for children's (the tool). */
function cpuOf(pid: number | "self"): { own: number; children: number } {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
    // Fields 14-17 of proc(5): utime, stime, cutime, cstime, in clock ticks (100 per second).
    return { own: (f[11] + f[12]) / 100, children: (f[13] + f[14]) / 100 };
  } catch {
    return { own: 0, children: 0 };
  }
}

function hasChildren(pid: number): boolean {
  try {
    for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
      if (Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/children`).trim()) return true;
    }
  } catch {
    // The process is gone: nothing left to wait for.
  }
  return false;
}

type Hops = Record<"tool" | "agent" | "appliance" | "client", number>;

/** CPU seconds per hop spent while `run` ran: where a download's time goes on a busy machine. */
async function cpuDuring<T>(
  pids: { appliance: number; agent: number },
  direct: boolean,
  run: () => Promise<T>,
): Promise<{ value: T; hops: Hops }> {
  const before = [cpuOf(pids.appliance), cpuOf(pids.agent), cpuOf("self")];
  const value = await run();
  // The tool's CPU is counted once the agent has reaped it: wait for that (a few seconds at most).
  for (let i = 0; i < 100 && !direct && hasChildren(pids.agent); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const [app, agent, self] = [cpuOf(pids.appliance), cpuOf(pids.agent), cpuOf("self")].map(
    (after, i) => ({
      own: after.own - before[i].own,
      children: after.children - before[i].children,
    }),
  );
  const hops = direct ? { tool: self.children, agent: 0, appliance: 0, client: self.own } : {
    tool: agent.children,
    agent: agent.own,
    appliance: app.own,
    client: self.own + self.children,
  };
  return { value, hops };
}

async function writeRandom(file: string, mb: number) {
  const out = await Deno.open(file, { write: true, create: true });
  const src = await Deno.open("/dev/urandom");
  const buf = new Uint8Array(1024 * 1024);
  for (let i = 0; i < mb; i++) {
    let at = 0;
    while (at < buf.length) at += (await src.read(buf.subarray(at))) ?? 0;
    await out.write(buf);
  }
  src.close();
  out.close();
}

async function signIn(url: string): Promise<string> {
  const r = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
  });
  await r.body?.cancel();
  return /cairn_session=[^;]*/.exec(r.headers.get("set-cookie") ?? "")![0];
}

async function prepare(rig: BackupRig, engine: "restic" | "borg", work: string, src: string) {
  const hostId = rig.agents[0].hostId;
  const repoPath = join(work, `${engine}-repo`);
  const { repository } = await rig.createRepository({
    name: `${engine} bench`,
    engine,
    location: { kind: "local", path: repoPath },
    passphrase: SECRET,
  });
  const [init] = await rig.run({ kind: "init", repositoryId: repository.id, hostId });
  await rig.finish(init.id);
  const plan = await rig.createPlan({
    name: `${engine} bench`,
    repositoryId: repository.id,
    target: { type: "host", hostId },
    sources: [src],
    retention: { last: 1 },
  });
  const [backup] = await rig.run({ kind: "backup", planId: plan.id });
  const done = await rig.finish(backup.id, 1_800_000);
  if (done.job.status !== "ok") throw new Error(`backup failed: ${done.job.message}`);
  const { snapshots } = await rig.api<{ snapshots: SnapshotView[] }>(
    "GET",
    `/api/snapshots?repositoryId=${repository.id}`,
  );
  return { repositoryId: repository.id, snapshotId: snapshots[0].id, repoPath };
}

async function direct(
  engine: "restic" | "borg",
  o: { repoPath: string; snapshotId: string; path: string; to: string },
) {
  const [cmd, args, env] = engine === "restic"
    ? ["restic", ["dump", o.snapshotId, o.path], {
      RESTIC_REPOSITORY: o.repoPath,
      RESTIC_PASSWORD: SECRET,
    }]
    : ["borg", ["extract", "--stdout", `${o.repoPath}::${o.snapshotId}`, o.path.slice(1)], {
      BORG_PASSPHRASE: SECRET,
      LANG: "C.UTF-8",
    }];
  const t0 = performance.now();
  const native = CLIENT === "native";
  // native: the tool writes straight into the file (a shell redirect), its own extract rate.
  const child = new Deno.Command(native ? "sh" : cmd, {
    args: native ? ["-c", 'out="$1"; shift; exec "$@" > "$out"', "sh", o.to, cmd, ...args] : args,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "/tmp", ...env },
    clearEnv: true,
    stdin: "null",
    stdout: native ? "null" : "piped",
    stderr: "null",
  }).spawn();
  if (!native) {
    const fh = await open(o.to, "w");
    for await (const chunk of child.stdout) await fh.write(chunk);
    await fh.close();
  }
  const status = await child.status;
  if (!status.success) throw new Error(`${cmd} failed`);
  return performance.now() - t0;
}

async function viaCairn(
  url: string,
  cookie: string,
  query: string,
  o: { to: string; limitRate?: string },
) {
  const { to } = o;
  const t0 = performance.now();
  if (CLIENT === "native" || o.limitRate) {
    // curl stands in for a browser: a native client writing the download to a file.
    // The session goes in on stdin (curl's config), not on a command line others can read.
    const curl = new Deno.Command("curl", {
      args: [
        "-sS",
        "-f",
        "-K",
        "-",
        ...(o.limitRate ? ["--limit-rate", o.limitRate] : []),
        "-o",
        to,
        "-w",
        "%{size_download}",
        `${url}/api/downloads?${query}`,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = curl.stdin.getWriter();
    await w.write(new TextEncoder().encode(`header = "cookie: ${cookie}"\n`));
    await w.close();
    const out = await curl.output();
    const got = Number(new TextDecoder().decode(out.stdout));
    if (!out.success || got !== MB * 1024 * 1024) {
      throw new Error(`download failed: ${new TextDecoder().decode(out.stderr)} (${got} bytes)`);
    }
    return performance.now() - t0;
  }
  const res = await fetch(`${url}/api/downloads?${query}`, { headers: { cookie } });
  if (res.status !== 200) throw new Error(`download answered ${res.status}: ${await res.text()}`);
  const fh = await open(to, "w");
  let bytes = 0;
  for await (const chunk of res.body!) {
    bytes += chunk.byteLength;
    await fh.write(chunk);
  }
  await fh.close();
  if (bytes !== MB * 1024 * 1024) throw new Error(`got ${bytes} bytes`);
  return performance.now() - t0;
}

async function slowReader(url: string, cookie: string, query: string) {
  const asked = performance.now();
  const res = await fetch(`${url}/api/downloads?${query}`, { headers: { cookie } });
  console.log(`time to the download's first byte: ${(performance.now() - asked).toFixed(0)} ms`);
  const reader = res.body!.getReader();
  const t0 = performance.now();
  let bytes = 0;
  while (performance.now() - t0 < 3000) {
    const r = await reader.read();
    if (r.done) break;
    bytes += r.value.byteLength;
    const due = bytes / (20 * 1024 * 1024) * 1000;
    const wait = due - (performance.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await reader.cancel();
  return bytes;
}

async function bench(
  engine: "restic" | "borg",
  rig: BackupRig,
  work: string,
  src: string,
  cookie: string,
) {
  const file = join(src, "big.bin");
  const p = await prepare(rig, engine, work, src);
  const query = `repositoryId=${p.repositoryId}&snapshotId=${encodeURIComponent(p.snapshotId)}` +
    `&path=${encodeURIComponent(file)}&format=raw`;
  const pids = { appliance: rig.appliance.child.pid, agent: rig.agents[0].process.child.pid };
  const viaTimes: number[] = [];
  const directTimes: number[] = [];
  const cpu: Record<"cairn" | "direct", Hops[]> = { cairn: [], direct: [] };
  const s = sampler(pids);
  for (let round = 0; round < ROUNDS; round++) {
    for (const via of round % 2 ? ["cairn", "direct"] as const : ["direct", "cairn"] as const) {
      const to = join(work, `out-${engine}-${via}.bin`);
      const { value: ms, hops } = await cpuDuring(
        pids,
        via === "direct",
        () =>
          via === "direct"
            ? direct(engine, { ...p, path: file, to })
            : viaCairn(rig.appliance.url, cookie, query, { to }),
      );
      (via === "direct" ? directTimes : viaTimes).push(ms);
      cpu[via].push(hops);
      await rm(to, { force: true });
    }
  }
  s.stop();
  // The appliance logs each relay: its pieces, and its rate, where a slow relay shows itself
  // (docs/restore.md, the slow relay).
  type Relay = { bytes: number; chunks: number; mbPerSecond: number };
  const relays = rig.appliance.lines.filter((l) => l.includes('"download relayed"'))
    .map((l) => JSON.parse(l.slice(l.indexOf("{"))) as Relay)
    .filter((r) => r.bytes === MB * 1024 * 1024);
  console.log(
    `${engine}: relays (pieces, KiB each, MB/s): ${
      relays.slice(-ROUNDS).map((r) =>
        `${r.chunks} × ${(r.bytes / r.chunks / 1024).toFixed(0)} at ${r.mbPerSecond}`
      ).join(", ")
    }`,
  );
  const perGiB = (xs: Hops[]) =>
    (Object.keys(xs[0]) as Array<keyof Hops>).map((k) =>
      `${k} ${(median(xs.map((h) => h[k])) * 1024 / MB).toFixed(2)}`
    ).join(", ");
  console.log(`${engine}: CPU s per GiB, direct: ${perGiB(cpu.direct)}`);
  console.log(`${engine}: CPU s per GiB, through Cairn: ${perGiB(cpu.cairn)}`);
  console.log(`${engine}: load average ${Deno.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  const mbps = (ms: number) => MB / (ms / 1000);
  const ratio = median(directTimes) / median(viaTimes);
  console.log(
    `${engine}: direct ${mbps(median(directTimes)).toFixed(0)} MB/s, through Cairn ` +
      `${mbps(median(viaTimes)).toFixed(0)} MB/s (${ROUNDS} rounds of ${MB} MiB)`,
  );
  row(
    `${engine} download throughput vs the tool's extract`,
    `${(ratio * 100).toFixed(0)} %`,
    "≥ 80 %",
    ratio >= 0.8,
  );
  const grow = (k: "appliance" | "agent") => s.peak[k] - s.base[k];
  console.log(
    `${engine}: RSS before → peak: appliance ${s.base.appliance.toFixed(0)} → ${
      s.peak.appliance.toFixed(0)
    } MB, ` +
      `agent ${s.base.agent.toFixed(0)} → ${s.peak.agent.toFixed(0)} MB`,
  );
  row(
    `${engine} appliance RSS growth during ${MB} MiB downloads`,
    `${grow("appliance").toFixed(0)} MB`,
    "< 64 MB",
    grow("appliance") < 64,
  );
  row(
    `${engine} agent RSS growth during ${MB} MiB downloads`,
    `${grow("agent").toFixed(0)} MB`,
    "< 64 MB",
    grow("agent") < 64,
  );
  // A browser slower than the agent (a laptop on Wi-Fi) for the whole file: the relay keeps its
  // pace, and neither side holds what the other has not taken yet.
  const paced = sampler(pids);
  const to = join(work, `out-${engine}-paced.bin`);
  const pacedMs = await viaCairn(rig.appliance.url, cookie, query, { to, limitRate: "100M" });
  paced.stop();
  await rm(to, { force: true });
  const pacedGrow = Math.max(
    paced.peak.appliance - paced.base.appliance,
    paced.peak.agent - paced.base.agent,
  );
  const pacedShare = (MB * 1048576 / (pacedMs / 1000)) / (100 * 1048576);
  row(
    `${engine} browser at 100 MiB/s: its rate against that pace`,
    `${(pacedShare * 100).toFixed(0)} %`,
    "≥ 90 %",
    pacedShare >= 0.9,
  );
  row(
    `${engine} browser at 100 MiB/s: largest RSS growth`,
    `${pacedGrow.toFixed(0)} MB`,
    "< 64 MB",
    pacedGrow < 64,
  );
  const slow = sampler(pids);
  const read = await slowReader(rig.appliance.url, cookie, query);
  slow.stop();
  const slowGrow = Math.max(
    slow.peak.appliance - slow.base.appliance,
    slow.peak.agent - slow.base.agent,
  );
  row(
    `${engine} slow browser (${(read / 1048576).toFixed(0)} MiB in 3 s): largest RSS growth`,
    `${slowGrow.toFixed(0)} MB`,
    "< 64 MB",
    slowGrow < 64,
  );
}

const work = await mkdtemp(join(tmpdir(), "cairn-bench-downloads-"));
const rig = await startBackupRig();
try {
  const src = join(work, "src");
  await Deno.mkdir(src);
  await writeRandom(join(src, "big.bin"), MB);
  const cookie = await signIn(rig.appliance.url);
  for (const engine of ENGINES) await bench(engine, rig, work, src, cookie);
} finally {
  await rig.close();
  await rm(work, { recursive: true, force: true });
}
