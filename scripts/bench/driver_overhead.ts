/**
 * Driver overhead: the wall time of a first backup run through the restic and borg drivers,
 * divided by the same command (same binary, arguments and environment) run directly on the
 * same data, side by side in one run. Each timed run gets a fresh repository (and cache), so
 * every run does the same work; runs alternate direct/driver to share any drift, and the disk
 * is synced before each one. On a shared 2-core machine the spread between runs of the same
 * kind is larger than the overhead: use several rounds and read the medians.
 *
 *   deno run -A scripts/bench/driver_overhead.ts
 *   CAIRN_BENCH_MB=1024 CAIRN_BENCH_FILES=20000 CAIRN_BENCH_ROUNDS=2 deno run -A scripts/bench/driver_overhead.ts
 *
 * Prints one line per tool with both medians and the ratio (the issue asks for ≤ 1.05), the
 * number of progress events the driver delivered, and the benchmark process's peak RSS while
 * a driver run was going (the agent side, without the tool).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBorgArgs } from "../../agent/tools/borg/args.ts";
import { createBorgDriver } from "../../agent/tools/borg/driver.ts";
import { borgRepositoryAccess } from "../../agent/tools/borg/repository.ts";
import { buildResticArgs } from "../../agent/tools/restic/args.ts";
import { createResticDriver } from "../../agent/tools/restic/driver.ts";
import { writeTree } from "../../test/tools/tree.ts";

const MB = Number(Deno.env.get("CAIRN_BENCH_MB") ?? 64);
const FILES = Number(Deno.env.get("CAIRN_BENCH_FILES") ?? 1280);
const ROUNDS = Number(Deno.env.get("CAIRN_BENCH_ROUNDS") ?? 2);
const SECRET = "bench-secret-passphrase-2b8e";

interface Sample {
  direct: number[];
  driver: number[];
  progressEvents: number;
  peakRssMb: number;
  /** CPU seconds this (agent-side) process spent during the driver runs. */
  driverCpuSeconds: number;
}

async function timeDirect(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<number> {
  const started = performance.now();
  const out = await new Deno.Command(command, {
    args,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "/tmp", ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const elapsed = performance.now() - started;
  if (!out.success) throw new Error(`${command} failed: ${new TextDecoder().decode(out.stderr)}`);
  return elapsed;
}

/** Flushes the previous run's writes, so a run does not pay for the one before it. */
async function settleDisk(): Promise<void> {
  await new Deno.Command("sync", { stdin: "null", stdout: "null", stderr: "null" }).output();
}

/** This process's user+system CPU seconds so far (Linux /proc; the bench runs with -A). */
function ownCpuSeconds(): number {
  const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function sampleRss(): { stop(): number } {
  let peak = Deno.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, Deno.memoryUsage().rss)), 50);
  return { stop: () => (clearInterval(timer), Math.max(peak, Deno.memoryUsage().rss) / 2 ** 20) };
}

async function benchRestic(src: string, work: string, sample: Sample): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    for (const via of round % 2 ? ["driver", "direct"] : ["direct", "driver"]) {
      const dir = await mkdtemp(join(work, "restic-"));
      const d = createResticDriver({
        repository: { kind: "local", path: join(dir, "repo") },
        password: SECRET,
        cacheDir: join(dir, "cache"),
      });
      if ((await d.run("init", {})).status !== "ok") throw new Error("restic init failed");
      await settleDisk();
      if (via === "direct") {
        const env = {
          RESTIC_REPOSITORY: join(dir, "repo"),
          RESTIC_PASSWORD: SECRET,
          RESTIC_CACHE_DIR: join(dir, "cache"),
          RESTIC_PROGRESS_FPS: "4",
          TZ: "UTC",
        };
        sample.direct.push(
          await timeDirect("restic", buildResticArgs("backup", { sources: [src] }), env),
        );
      } else {
        sample.driver.push(
          await timedDriverRun(
            () => d.run("backup", { sources: [src] }, countProgress(sample)),
            sample,
          ),
        );
      }
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function benchBorg(src: string, work: string, sample: Sample): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    for (const via of round % 2 ? ["driver", "direct"] : ["direct", "driver"]) {
      const dir = await mkdtemp(join(work, "borg-"));
      const config = {
        repository: { kind: "local" as const, path: join(dir, "repo") },
        passphrase: SECRET,
        baseDir: join(dir, "base"),
      };
      const d = createBorgDriver(config);
      if ((await d.run("init", {})).status !== "ok") throw new Error("borg init failed");
      await settleDisk();
      const options = { archive: "bench", sources: [src], compression: "lz4" };
      if (via === "direct") {
        const location = borgRepositoryAccess(config.repository).location;
        const env = {
          BORG_PASSPHRASE: SECRET,
          BORG_BASE_DIR: config.baseDir,
          LANG: "C.UTF-8",
          LC_ALL: "C.UTF-8",
          TZ: "UTC",
        };
        sample.direct.push(
          await timeDirect("borg", buildBorgArgs("backup", options, { location }), env),
        );
      } else {
        sample.driver.push(
          await timedDriverRun(() => d.run("backup", options, countProgress(sample)), sample),
        );
      }
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function countProgress(sample: Sample) {
  return {
    onEvent: (e: { type: string }) => void (e.type === "progress" && sample.progressEvents++),
  };
}

async function timedDriverRun(
  run: () => Promise<{ status: string; tail: string }>,
  sample: Sample,
): Promise<number> {
  const rss = sampleRss();
  const cpu = ownCpuSeconds();
  const started = performance.now();
  const r = await run();
  const elapsed = performance.now() - started;
  sample.driverCpuSeconds += ownCpuSeconds() - cpu;
  sample.peakRssMb = Math.max(sample.peakRssMb, rss.stop());
  if (r.status !== "ok") throw new Error(`driver run failed: ${r.tail}`);
  return elapsed;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "cairn-bench-"));
  try {
    const src = join(work, "src");
    const bytes = await writeTree(src, {
      files: FILES,
      fileSize: Math.floor((MB * 2 ** 20) / FILES),
      perDir: 200,
    });
    console.log(
      `data: ${(bytes / 2 ** 20).toFixed(0)} MiB in ${FILES} files; ${ROUNDS} round(s) per tool`,
    );
    for (const [tool, bench] of [["restic", benchRestic], ["borg", benchBorg]] as const) {
      const sample: Sample = {
        direct: [],
        driver: [],
        progressEvents: 0,
        peakRssMb: 0,
        driverCpuSeconds: 0,
      };
      await bench(src, work, sample);
      const [direct, driver] = [median(sample.direct), median(sample.driver)];
      console.log(
        `${tool}: direct ${(direct / 1000).toFixed(2)} s, driver ${
          (driver / 1000).toFixed(2)
        } s, ` +
          `ratio ${(driver / direct).toFixed(3)}; ${sample.progressEvents} progress events; ` +
          `peak RSS of this process ${sample.peakRssMb.toFixed(0)} MB, ` +
          `its CPU during the driver runs ${sample.driverCpuSeconds.toFixed(2)} s ` +
          `(runs: direct ${sample.direct.map((x) => (x / 1000).toFixed(2)).join("/")}, ` +
          `driver ${sample.driver.map((x) => (x / 1000).toFixed(2)).join("/")})`,
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
