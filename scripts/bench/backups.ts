/**
 * Backup figures (issue 4), through the whole of Cairn: the real appliance, real agents, real
 * restic and borg.
 *
 *   deno run -A scripts/bench/backups.ts
 *   CAIRN_BENCH_MB=1024 CAIRN_BENCH_FILES=20000 CAIRN_BENCH_ROUNDS=2 deno run -A scripts/bench/backups.ts
 *   (CAIRN_BENCH_ENGINES=borg, CAIRN_BENCH_SKIP_OVERHEAD=1, CAIRN_BENCH_SKIP_LOAD=1 narrow it)
 *
 * 1. Overhead: the wall time of a backup run through Cairn (POST /api/jobs until the job's end
 *    arrives on its SSE stream) divided by the same tool run directly on the same data, each on
 *    a fresh repository, alternating, medians of the rounds. Target ≤ 1.05 per tool.
 * 2. Progress latency: for every progress event seen on the job's SSE stream during those
 *    backups, the time from the tool's output reaching the agent (emittedAt) to the stream's
 *    reader. Target: within 2 s.
 * 3. Agent RSS during a backup (the agent process alone, without the tool): < 80 MB.
 * 4. API p99 with 10 backups running on 10 hosts, against idle (wrk, 32 connections, GET
 *    /api/jobs?limit=20 and /api/hosts): within 2×. Here the ten "hosts" are agents on the
 *    appliance's own two cores, so the busy figure is taken once the tools' start (reading and
 *    hashing the data: CPU that real hosts spend on their own machines) is over and the slowed
 *    uploads keep the ten jobs running, reporting progress and log.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildResticArgs } from "../../agent/tools/restic/args.ts";
import { buildBorgArgs } from "../../agent/tools/borg/args.ts";
import { ADMIN_PASSWORD } from "../../test/agents/procs.ts";
import { type BackupRig, startBackupRig } from "../../test/e2e/backup_rig.ts";
import { writeTree } from "../../test/tools/tree.ts";

const MB = Number(Deno.env.get("CAIRN_BENCH_MB") ?? 256);
const FILES = Number(Deno.env.get("CAIRN_BENCH_FILES") ?? 5000);
const ROUNDS = Number(Deno.env.get("CAIRN_BENCH_ROUNDS") ?? 2);
const LOAD_HOSTS = Number(Deno.env.get("CAIRN_BENCH_LOAD_HOSTS") ?? 10);
const SECRET = "bench-passphrase-5d1c0a";
const ENGINES = (Deno.env.get("CAIRN_BENCH_ENGINES") ?? "restic,borg").split(",") as Array<
  "restic" | "borg"
>;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const row = (name: string, value: string, target: string, pass: boolean) =>
  console.log(`${name}: ${value} (target ${target}) ${pass ? "PASS" : "MISS"}`);

async function sync(): Promise<void> {
  await new Deno.Command("sync", { stdin: "null", stdout: "null", stderr: "null" }).output();
}

async function timeDirect(cmd: string, args: string[], env: Record<string, string>) {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, {
    args,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "/tmp", ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t0;
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  return ms;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

interface StreamWatch {
  ended: Promise<number>;
  latencies: number[];
  close(): void;
}

/** Follows a job's SSE stream; resolves `ended` with the time the `end` event arrived. */
function watchStream(url: string, cookie: string, jobId: string): StreamWatch {
  const latencies: number[] = [];
  const abort = new AbortController();
  const ended = (async () => {
    const res = await fetch(`${url}/api/jobs/${jobId}/stream`, {
      headers: { cookie, accept: "text/event-stream" },
      signal: abort.signal,
    });
    if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
    let buf = "";
    for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6))
          .join("\n");
        if (event === "progress") {
          const p = JSON.parse(data);
          if (typeof p.emittedAt === "number") latencies.push(Date.now() - p.emittedAt);
        }
        if (event === "end") {
          const t = performance.now();
          abort.abort();
          return t;
        }
      }
    }
    throw new Error("stream ended without an end event");
  })();
  return { ended, latencies, close: () => abort.abort() };
}

async function login(url: string): Promise<string> {
  const r = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
  });
  await r.body?.cancel();
  return /cairn_session=[^;]*/.exec(r.headers.get("set-cookie") ?? "")![0];
}

/** One repository and plan on host 0, initialised; returns the plan id and repo path. */
async function freshPlan(rig: BackupRig, engine: "restic" | "borg", src: string, dir: string) {
  const name = `${engine}-${crypto.randomUUID().slice(0, 8)}`;
  const { repository } = await rig.createRepository({
    name,
    engine,
    location: { kind: "local", path: join(dir, name) },
    passphrase: SECRET,
  });
  const [init] = await rig.run({
    kind: "init",
    repositoryId: repository.id,
    hostId: rig.agents[0].hostId,
  });
  const done = await rig.finish(init.id);
  if (done.job.status !== "ok") throw new Error(`init failed: ${done.job.message}`);
  const plan = await rig.createPlan({
    name,
    repositoryId: repository.id,
    target: { type: "host", hostId: rig.agents[0].hostId },
    sources: [src],
    compression: engine === "borg" ? "lz4" : undefined,
  });
  return { planId: plan.id, path: join(dir, name) };
}

async function overhead(rig: BackupRig, src: string, work: string, cookie: string) {
  const agentPid = rig.agents[0].process.child.pid;
  let peakRss = 0;
  const latencies: number[] = [];
  for (const engine of ENGINES) {
    const direct: number[] = [];
    const cairn: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const via of round % 2 ? ["cairn", "direct"] : ["direct", "cairn"]) {
        const dir = await mkdtemp(join(work, `${engine}-`));
        const { planId, path } = await freshPlan(rig, engine, src, dir);
        await sync();
        if (via === "direct") {
          direct.push(await runDirect(engine, path, src, dir));
        } else {
          const t0 = performance.now();
          const [job] = await rig.run({ kind: "backup", planId });
          const watch = watchStream(rig.appliance.url, cookie, job.id);
          const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(agentPid))), 100);
          const t1 = await watch.ended;
          clearInterval(sampler);
          cairn.push(t1 - t0);
          latencies.push(...watch.latencies);
          const { job: end } = await rig.finish(job.id);
          if (end.status !== "ok") throw new Error(`backup ${end.status}: ${end.message}`);
        }
        await rm(dir, { recursive: true, force: true });
      }
    }
    const ratio = median(cairn) / median(direct);
    row(
      `${engine} overhead`,
      `direct ${(median(direct) / 1000).toFixed(2)} s, through Cairn ${
        (median(cairn) / 1000).toFixed(2)
      } s, ratio ${ratio.toFixed(3)}`,
      "≤ 1.05",
      ratio <= 1.05,
    );
  }
  row(
    "progress latency, tool output at the agent → SSE reader",
    `${latencies.length} events, p50 ${pct(latencies, 50)} ms, p99 ${pct(latencies, 99)} ms, max ${
      Math.max(...latencies)
    } ms`,
    "≤ 2000 ms",
    latencies.length > 0 && Math.max(...latencies) <= 2000,
  );
  row("agent RSS during backups (peak)", `${peakRss.toFixed(1)} MB`, "< 80 MB", peakRss < 80);
}

async function runDirect(engine: "restic" | "borg", repo: string, src: string, dir: string) {
  if (engine === "restic") {
    return await timeDirect("restic", buildResticArgs("backup", { sources: [src] }), {
      RESTIC_REPOSITORY: repo,
      RESTIC_PASSWORD: SECRET,
      RESTIC_CACHE_DIR: join(dir, "cache"),
      RESTIC_PROGRESS_FPS: "4",
      TZ: "UTC",
    });
  }
  const args = buildBorgArgs("backup", {
    archive: "direct",
    sources: [src],
    compression: "lz4",
  }, { location: repo });
  return await timeDirect("borg", args, {
    BORG_PASSPHRASE: SECRET,
    BORG_BASE_DIR: join(dir, "base"),
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    TZ: "UTC",
  });
}

async function wrkP99(urls: string[], cookie: string, seconds: number) {
  const out: number[] = [];
  for (const url of urls) {
    const r = await new Deno.Command("wrk", {
      args: ["-t1", "-c32", `-d${seconds}s`, "--latency", "-H", `Cookie: ${cookie}`, url],
      stdout: "piped",
    }).output();
    const text = new TextDecoder().decode(r.stdout);
    const m = /99%\s+([\d.]+)(us|ms|s)/.exec(text);
    if (/Non-2xx/.test(text)) throw new Error(`wrk saw errors on ${url}:\n${text}`);
    out.push(
      m ? Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[m[2]] : NaN,
    );
  }
  return out;
}

async function apiUnderJobs(work: string) {
  const rig = await startBackupRig({
    agents: Array.from({ length: LOAD_HOSTS }, () => ({ tags: ["load"] })),
  });
  try {
    const cookie = await login(rig.appliance.url);
    const src = join(work, "load-src");
    await writeTree(src, { files: 80, fileSize: 64 * 1024, perDir: 100 });
    const { repository } = await rig.createRepository({
      name: "load",
      engine: "restic",
      location: { kind: "local", path: join(work, "load-repo") },
      passphrase: SECRET,
    });
    const init = await rig.run({
      kind: "init",
      repositoryId: repository.id,
      hostId: rig.agents[0].hostId,
    });
    await rig.finish(init[0].id);
    // Slow uploads keep ten backups running for the whole measurement without eating the CPU.
    const plan = await rig.createPlan({
      name: "load",
      repositoryId: repository.id,
      target: { type: "tag", tag: "load" },
      sources: [src],
      limits: { uploadKiB: 64 },
    });
    const urls = [`${rig.appliance.url}/api/jobs?limit=20`, `${rig.appliance.url}/api/hosts`];
    const idle = await wrkP99(urls, cookie, 8);
    const jobs = await rig.run({ kind: "backup", planId: plan.id });
    const { waitFor } = await import("../../test/agents/procs.ts");
    await waitFor("10 jobs running", async () => {
      const r = await rig.api<{ jobs: Array<{ status: string }> }>(
        "GET",
        "/api/jobs?status=running&limit=50",
      );
      return r.jobs.length >= Math.min(LOAD_HOSTS, jobs.length);
    }, 60_000);
    await new Promise((r) => setTimeout(r, 10_000));
    const busy = await wrkP99(urls, cookie, 8);
    const running =
      (await rig.api<{ jobs: unknown[] }>("GET", "/api/jobs?status=running&limit=50")).jobs.length;
    for (let i = 0; i < urls.length; i++) {
      const ratio = busy[i] / idle[i];
      row(
        `API p99 ${new URL(urls[i]).pathname} with ${running} backups still running at the end`,
        `idle ${idle[i].toFixed(1)} ms, busy ${busy[i].toFixed(1)} ms, ratio ${ratio.toFixed(2)}`,
        "≤ 2×",
        ratio <= 2,
      );
    }
    for (const j of jobs) await rig.api("POST", `/api/jobs/${j.id}/cancel`).catch(() => {});
  } finally {
    await rig.close();
  }
}

const work = await mkdtemp(join(tmpdir(), "cairn-bench-backups-"));
try {
  const src = join(work, "src");
  const bytes = await writeTree(src, {
    files: FILES,
    fileSize: Math.floor((MB * 2 ** 20) / FILES),
    perDir: 200,
  });
  console.log(`data: ${(bytes / 2 ** 20).toFixed(0)} MiB in ${FILES} files; ${ROUNDS} round(s)`);
  if (!Deno.env.get("CAIRN_BENCH_SKIP_OVERHEAD")) {
    const rig = await startBackupRig();
    try {
      await overhead(rig, src, work, await login(rig.appliance.url));
    } finally {
      await rig.close();
    }
  }
  if (!Deno.env.get("CAIRN_BENCH_SKIP_LOAD")) await apiUnderJobs(work);
} finally {
  await rm(work, { recursive: true, force: true });
}
