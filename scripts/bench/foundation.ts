/**
 * Foundation figures (issue 2): cold start to the first 200 on /healthz under Deno, idle RSS,
 * and authenticated API throughput with a session cookie, load from a second process (wrk).
 *
 *   npx deno run -A scripts/bench/foundation.ts        (needs `wrk`: apt-get install wrk)
 *
 * Prints each figure with its target and the ratio figure/target.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DENO_SERVER_ARGS } from "../../test/helpers/server_process.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

interface Proc {
  child: Deno.ChildProcess;
  port: number;
  stop(): Promise<void>;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function spawnServer(dataDir: string): Promise<{ proc: Proc; firstOkMs: number }> {
  const port = freePort();
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: DENO_SERVER_ARGS,
    cwd: ROOT,
    env: { CAIRN_DATA_DIR: dataDir, CAIRN_LISTEN: `127.0.0.1:${port}`, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  void child.stdout.pipeTo(new WritableStream()); // drain the access log like journald would
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.body?.cancel();
      if (res.status === 200) break;
    } catch {
      // not listening yet: poll again
    }
    if (performance.now() - t0 > 20_000) throw new Error("server did not start");
    await new Promise((r) => setTimeout(r, 2));
  }
  const firstOkMs = performance.now() - t0;
  return {
    firstOkMs,
    proc: {
      child,
      port,
      async stop() {
        child.kill("SIGTERM");
        await child.status;
      },
    },
  };
}

function rssMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const row = (
  name: string,
  value: number,
  unit: string,
  target: number,
  better: "lower" | "higher",
) =>
  console.log(
    `${name.padEnd(44)} ${value.toFixed(1).padStart(9)} ${unit.padEnd(6)} target ${
      better === "lower" ? "<" : "≥"
    } ${target} ${unit}  ratio ${(value / target).toFixed(2)}  ${
      (better === "lower" ? value < target : value >= target) ? "PASS" : "MISS"
    }`,
  );

async function wrk(url: string, cookie: string, seconds: number) {
  const out = await new Deno.Command("wrk", {
    args: [
      "-t1",
      "-c32",
      `-d${seconds}s`,
      "--latency",
      "-H",
      `Cookie: cairn_session=${cookie}`,
      url,
    ],
    stdout: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  const p99raw = /99%\s+([\d.]+)(us|ms|s)/.exec(text);
  const p99 = p99raw
    ? Number(p99raw[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[p99raw[2]]
    : NaN;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
  return { rps, p99, non2xx };
}

const base = await mkdtemp(join(tmpdir(), "cairn-bench-"));
try {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) {
    const dir = join(base, `cold-${i}`);
    const a = await spawnServer(dir);
    cold.push(a.firstOkMs);
    await a.proc.stop();
    const b = await spawnServer(dir);
    warm.push(b.firstOkMs);
    await b.proc.stop();
  }
  console.log(
    `cold starts (ms): ${cold.map((x) => x.toFixed(0)).join(", ")}; warm: ${
      warm.map((x) => x.toFixed(0)).join(", ")
    }`,
  );
  row("cold start to first 200 /healthz (median)", median(cold), "ms", 1000, "lower");
  row("warm start to first 200 /healthz (median)", median(warm), "ms", 1000, "lower");

  const { proc } = await spawnServer(join(base, "load"));
  const url = `http://127.0.0.1:${proc.port}`;
  const setup = await fetch(`${url}/api/auth/setup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "benchmark password" }),
  });
  await setup.body?.cancel();
  const cookie = /cairn_session=([^;]+)/.exec(setup.headers.get("set-cookie") ?? "")![1];
  for (let i = 0; i < 50; i++) {
    await (await fetch(`${url}/api/dashboard`, { headers: { cookie: `cairn_session=${cookie}` } }))
      .body?.cancel();
  }
  await new Promise((r) => setTimeout(r, 3000));
  row("idle server RSS", rssMb(proc.child.pid), "MB", 90, "lower");

  await wrk(`${url}/api/auth/me`, cookie, 2); // warm-up
  for (const path of ["/api/auth/me", "/api/dashboard"]) {
    const r = await wrk(`${url}${path}`, cookie, 10);
    if (r.non2xx > 0) console.log(`  warning: ${r.non2xx} non-2xx responses on ${path}`);
    row(`authenticated GET ${path} throughput`, r.rps, "req/s", 3000, "higher");
    row(`authenticated GET ${path} p99 latency`, r.p99, "ms", 20, "lower");
  }
  row("RSS after load", rssMb(proc.child.pid), "MB", 90, "lower");
  await proc.stop();
} finally {
  await rm(base, { recursive: true, force: true });
}
