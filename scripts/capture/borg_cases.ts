/** The borg cases of scripts/capture_tool_output.ts (see there for the file format). */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type BorgConfig, createBorgDriver } from "../../agent/tools/borg/driver.ts";
import { createResticDriver } from "../../agent/tools/restic/driver.ts";
import { writeTree } from "../../test/tools/tree.ts";
import { type CaptureContext, captureWith, DROP_READ_CAPS } from "../capture_tool_output.ts";

type Driver = ReturnType<typeof createBorgDriver>;

interface Kit {
  root: string;
  src: string;
  secrets: string[];
  config: BorgConfig;
  /** Recorded runs. */
  d: Driver;
  /** Set-up runs, not recorded. */
  quiet: Driver;
  recorded(over?: Partial<BorgConfig>): Driver;
  capture: ReturnType<typeof captureWith>;
}

export async function captureBorg(ctx: CaptureContext): Promise<void> {
  const { root, recorder } = ctx;
  const src = join(root, "src");
  await writeTree(src, { files: 24, fileSize: 256 * 1024, perDir: 8 });
  const config: BorgConfig = {
    repository: { kind: "local", path: join(root, "repo") },
    passphrase: ctx.secrets[0],
    baseDir: join(root, "base"),
  };
  const recorded = (over: Partial<BorgConfig> = {}) =>
    createBorgDriver({ ...config, ...over }, { spawn: recorder.spawn });
  const kit: Kit = {
    root,
    src,
    secrets: ctx.secrets,
    config,
    d: recorded(),
    quiet: createBorgDriver(config),
    recorded,
    capture: captureWith(recorder),
  };
  for (const cases of [createCases, listingCases, retentionCases, maintenanceCases]) {
    await cases(kit);
  }
  for (const cases of [failureCases, lockedCase, cancelCase, wrongEngineCase]) await cases(kit);
}

async function createCases({ d, quiet, root, src, recorded, capture }: Kit) {
  await capture({
    name: "init",
    shows: "borg init --encryption=repokey-blake2",
    run: () => d.run("init", {}),
  });
  const big = join(root, "src-big");
  await writeTree(big, { files: 96, fileSize: 1024 * 1024, perDir: 16, seed: 3 });
  await capture({
    name: "backup_progress",
    shows: "create --progress --json --list of 96 MiB: progress, file status, result",
    run: () =>
      d.run("backup", {
        archive: "host1-big",
        sources: [big],
        compression: "lz4",
        listFiles: true,
      }),
  });
  await quiet.run("backup", { archive: "host1-first", sources: [src] });
  const partial = join(root, "partial");
  await mkdir(partial);
  await writeFile(join(partial, "readable.txt"), "readable\n");
  await writeFile(join(partial, "secret.txt"), "unreadable\n");
  await chmod(join(partial, "secret.txt"), 0o000);
  await capture({
    name: "backup_unreadable",
    shows: "exit 1: one unreadable file (run without read capabilities)",
    run: () =>
      recorded({ commandPrefix: DROP_READ_CAPS }).run("backup", {
        archive: "host1-partial",
        sources: [partial],
      }),
  });
}

async function listingCases({ d, capture }: Kit) {
  await capture({ name: "snapshots", shows: "list --json", run: () => d.run("snapshots", {}) });
  await capture({ name: "stats", shows: "info --json", run: () => d.run("stats", {}) });
  await capture({
    name: "ls",
    shows: "list --json-lines of one archive",
    run: () => d.run("ls", { archive: "host1-partial" }),
  });
}

async function retentionCases({ d, quiet, src, capture }: Kit) {
  for (const [i, day] of [1, 1, 2, 3, 3, 4].entries()) {
    const timestamp = new Date(Date.UTC(2024, 0, day, 8 + i, 0, 0));
    await quiet.run("backup", { archive: `ret-${i}`, sources: [src], timestamp });
  }
  const keep = { daily: 2, last: 1 };
  await capture({
    name: "prune_dry_run",
    shows: "prune --list --dry-run keep-daily 2 keep-last 1, ret-*",
    run: () => d.run("prune", { keep, globArchives: "ret-*", dryRun: true }),
  });
  await capture({
    name: "prune",
    shows: "prune --list keep-daily 2 keep-last 1, ret-*",
    run: () => d.run("prune", { keep, globArchives: "ret-*" }),
  });
}

async function maintenanceCases({ d, root, capture }: Kit) {
  await capture({ name: "compact", shows: "compact after prune", run: () => d.run("compact", {}) });
  await capture({ name: "check", shows: "check --info --progress", run: () => d.run("check", {}) });
  await capture({
    name: "check_verify",
    shows: "check --verify-data of the last archive",
    run: () => d.run("check", { verifyData: true, last: 1 }),
  });
  await mkdir(join(root, "restored"));
  await capture({
    name: "restore",
    shows: "extract --progress into an empty directory",
    run: () => d.run("restore", { archive: "host1-first", target: join(root, "restored") }),
  });
  await capture({ name: "version", shows: "borg --version", run: () => d.run("version", {}) });
}

async function failureCases({ root, secrets, recorded, capture }: Kit) {
  await capture({
    name: "wrong_passphrase",
    shows: "list with a wrong passphrase",
    run: () => recorded({ passphrase: secrets[1] }).run("snapshots", {}),
  });
  const nothing = { kind: "local" as const, path: join(root, "nothing-here") };
  await capture({
    name: "repo_missing",
    shows: "list on a directory with no repository",
    run: () => recorded({ repository: nothing }).run("snapshots", {}),
  });
}

async function lockedCase({ config, d, src, capture }: Kit) {
  const holder = new Deno.Command("borg", {
    args: ["with-lock", (config.repository as { path: string }).path, "sleep", "20"],
    env: { BORG_PASSPHRASE: config.passphrase, BORG_BASE_DIR: config.baseDir, LANG: "C.UTF-8" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await new Promise((r) => setTimeout(r, 1500));
  await capture({
    name: "locked",
    shows: "create while borg with-lock holds the repository",
    run: () => d.run("backup", { archive: "host1-locked", sources: [src] }),
  });
  holder.kill("SIGTERM");
  await holder.status;
}

async function cancelCase({ d, root, capture }: Kit) {
  const src = join(root, "src-cancel");
  await writeTree(src, { files: 128, fileSize: 1024 * 1024, perDir: 16, seed: 2 });
  const abort = new AbortController();
  await capture({
    name: "cancel_sigint",
    shows: "a create stopped with SIGINT after its first byte progress",
    run: () =>
      d.run("backup", { archive: "host1-cancelled", sources: [src] }, {
        signal: abort.signal,
        onEvent: (e) => e.type === "progress" && e.bytes ? abort.abort() : undefined,
      }),
  });
}

async function wrongEngineCase({ root, config, recorded, capture }: Kit) {
  const resticRepo = join(root, "restic-repo");
  const restic = createResticDriver({
    repository: { kind: "local", path: resticRepo },
    password: config.passphrase,
    cacheDir: join(root, "restic-cache"),
  });
  await restic.run("init", {});
  await capture({
    name: "wrong_engine",
    shows: "list on a restic repository",
    run: () => recorded({ repository: { kind: "local", path: resticRepo } }).run("snapshots", {}),
  });
}
