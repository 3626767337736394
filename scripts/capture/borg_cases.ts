/** The borg cases of scripts/capture_tool_output.ts (see there for the file format). */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunResult } from "../../agent/tools/common/result.ts";
import { type BorgConfig, createBorgDriver } from "../../agent/tools/borg/driver.ts";
import { createResticDriver } from "../../agent/tools/restic/driver.ts";
import { writeTree } from "../../test/tools/tree.ts";
import { type CaptureContext, DROP_READ_CAPS } from "../capture_tool_output.ts";

type Capture = <R>(
  name: string,
  shows: string,
  run: () => Promise<RunResult<R>>,
) => Promise<RunResult<R>>;
type Driver = ReturnType<typeof createBorgDriver>;

export async function captureBorg(ctx: CaptureContext): Promise<void> {
  const { root, recorder } = ctx;
  const [passphrase, wrongPassphrase] = ctx.secrets;
  const src = join(root, "src");
  await writeTree(src, { files: 24, fileSize: 256 * 1024, perDir: 8 });
  const config: BorgConfig = {
    repository: { kind: "local", path: join(root, "repo") },
    passphrase,
    baseDir: join(root, "base"),
  };
  const recorded = (over: Partial<BorgConfig> = {}) =>
    createBorgDriver({ ...config, ...over }, { spawn: recorder.spawn });
  const quiet = createBorgDriver(config);
  const capture: Capture = async (name, shows, run) => {
    recorder.use(name, shows);
    const r = await run();
    recorder.done(name, r);
    return r;
  };
  const d = recorded();

  await capture("init", "borg init --encryption=repokey-blake2", () => d.run("init", {}));
  const big = join(root, "src-big");
  await writeTree(big, { files: 96, fileSize: 1024 * 1024, perDir: 16, seed: 3 });
  await capture(
    "backup_progress",
    "create --progress --json --list of 96 MiB: progress, file status, result",
    () =>
      d.run("backup", {
        archive: "host1-big",
        sources: [big],
        compression: "lz4",
        listFiles: true,
      }),
  );
  await quiet.run("backup", { archive: "host1-first", sources: [src] });
  const partial = join(root, "partial");
  await mkdir(partial);
  await writeFile(join(partial, "readable.txt"), "readable\n");
  await writeFile(join(partial, "secret.txt"), "unreadable\n");
  await chmod(join(partial, "secret.txt"), 0o000);
  await capture(
    "backup_unreadable",
    "exit 1: one unreadable file (run without read capabilities)",
    () =>
      recorded({ commandPrefix: DROP_READ_CAPS }).run("backup", {
        archive: "host1-partial",
        sources: [partial],
      }),
  );
  await capture("snapshots", "list --json", () => d.run("snapshots", {}));
  await capture("stats", "info --json", () => d.run("stats", {}));
  await capture(
    "ls",
    "list --json-lines of one archive",
    () => d.run("ls", { archive: "host1-partial" }),
  );
  await retentionCases(d, quiet, src, capture);
  await capture("compact", "compact after prune", () => d.run("compact", {}));
  await capture("check", "check --info --progress", () => d.run("check", {}));
  await capture(
    "check_verify",
    "check --verify-data of the last archive",
    () => d.run("check", { verifyData: true, last: 1 }),
  );
  await mkdir(join(root, "restored"));
  await capture(
    "restore",
    "extract --progress into an empty directory",
    () => d.run("restore", { archive: "host1-first", target: join(root, "restored") }),
  );
  await capture("version", "borg --version", () => d.run("version", {}));
  await capture(
    "wrong_passphrase",
    "list with a wrong passphrase",
    () => recorded({ passphrase: wrongPassphrase }).run("snapshots", {}),
  );
  await capture(
    "repo_missing",
    "list on a directory with no repository",
    () =>
      recorded({ repository: { kind: "local", path: join(root, "nothing-here") } }).run(
        "snapshots",
        {},
      ),
  );
  await lockedCase(config, capture, d, src);
  await cancelCase(d, join(root, "src-cancel"), capture);
  await wrongEngineCase(root, passphrase, recorded, capture);
}

async function retentionCases(d: Driver, quiet: Driver, src: string, capture: Capture) {
  for (const [i, day] of [1, 1, 2, 3, 3, 4].entries()) {
    const timestamp = new Date(Date.UTC(2024, 0, day, 8 + i, 0, 0));
    await quiet.run("backup", { archive: `ret-${i}`, sources: [src], timestamp });
  }
  const keep = { daily: 2, last: 1 };
  await capture(
    "prune_dry_run",
    "prune --list --dry-run keep-daily 2 keep-last 1, ret-*",
    () => d.run("prune", { keep, globArchives: "ret-*", dryRun: true }),
  );
  await capture(
    "prune",
    "prune --list keep-daily 2 keep-last 1, ret-*",
    () => d.run("prune", { keep, globArchives: "ret-*" }),
  );
}

async function lockedCase(config: BorgConfig, capture: Capture, d: Driver, src: string) {
  const holder = new Deno.Command("borg", {
    args: ["with-lock", (config.repository as { path: string }).path, "sleep", "20"],
    env: { BORG_PASSPHRASE: config.passphrase, BORG_BASE_DIR: config.baseDir, LANG: "C.UTF-8" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await new Promise((r) => setTimeout(r, 1500));
  await capture(
    "locked",
    "create while borg with-lock holds the repository",
    () => d.run("backup", { archive: "host1-locked", sources: [src] }),
  );
  holder.kill("SIGTERM");
  await holder.status;
}

async function cancelCase(d: Driver, src: string, capture: Capture) {
  await writeTree(src, { files: 128, fileSize: 1024 * 1024, perDir: 16, seed: 2 });
  const abort = new AbortController();
  await capture(
    "cancel_sigint",
    "a create stopped with SIGINT after its first byte progress",
    () =>
      d.run("backup", { archive: "host1-cancelled", sources: [src] }, {
        signal: abort.signal,
        onEvent: (e) => e.type === "progress" && e.bytes ? abort.abort() : undefined,
      }),
  );
}

async function wrongEngineCase(
  root: string,
  password: string,
  recorded: (over: Partial<BorgConfig>) => Driver,
  capture: Capture,
) {
  const resticRepo = join(root, "restic-repo");
  const restic = createResticDriver({
    repository: { kind: "local", path: resticRepo },
    password,
    cacheDir: join(root, "restic-cache"),
  });
  await restic.run("init", {});
  await capture(
    "wrong_engine",
    "list on a restic repository",
    () => recorded({ repository: { kind: "local", path: resticRepo } }).run("snapshots", {}),
  );
}
