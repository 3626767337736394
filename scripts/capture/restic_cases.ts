/** The restic cases of scripts/capture_tool_output.ts (see there for the file format). */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createBorgDriver } from "../../agent/tools/borg/driver.ts";
import { createResticDriver, type ResticConfig } from "../../agent/tools/restic/driver.ts";
import { startRcloneRestServer } from "../../test/helpers/rclone.ts";
import { writeTree } from "../../test/tools/tree.ts";
import { type CaptureContext, captureWith, DROP_READ_CAPS } from "../capture_tool_output.ts";

type Driver = ReturnType<typeof createResticDriver>;

interface Kit {
  root: string;
  src: string;
  secrets: string[];
  config: ResticConfig;
  /** Recorded runs. */
  d: Driver;
  /** Set-up runs, not recorded. */
  quiet: Driver;
  recorded(over?: Partial<ResticConfig>): Driver;
  capture: ReturnType<typeof captureWith>;
}

export async function captureRestic(ctx: CaptureContext): Promise<void> {
  const { root, recorder } = ctx;
  const src = join(root, "src");
  await writeTree(src, { files: 24, fileSize: 256 * 1024, perDir: 8 });
  const config: ResticConfig = {
    repository: { kind: "local", path: join(root, "repo") },
    password: ctx.secrets[0],
    cacheDir: join(root, "cache"),
  };
  const recorded = (over: Partial<ResticConfig> = {}) =>
    createResticDriver({ ...config, ...over }, { spawn: recorder.spawn });
  const kit: Kit = {
    root,
    src,
    secrets: ctx.secrets,
    config,
    d: recorded(),
    quiet: createResticDriver(config),
    recorded,
    capture: captureWith(recorder),
  };
  for (const cases of [basicCases, unreadableCase, retentionCases, maintenanceCases]) {
    await cases(kit);
  }
  for (const cases of [failureCases, lockedCase, cancelCase, wrongEngineCase, restCases]) {
    await cases(kit);
  }
}

async function basicCases({ d, root, src, capture }: Kit) {
  await capture({
    name: "init",
    shows: "restic init on a new local repository",
    run: () => d.run("init", {}),
  });
  const big = join(root, "src-big");
  await writeTree(big, { files: 96, fileSize: 1024 * 1024, perDir: 16, seed: 3 });
  await capture({
    name: "backup_progress",
    shows: "a 96 MiB backup with status lines mid-way",
    run: () => d.run("backup", { sources: [big], tags: ["cairn"], hostname: "host1" }),
  });
  await capture({
    name: "backup_limited",
    shows: "a backup with --limit-upload (reading done, upload throttled)",
    run: () =>
      d.run("backup", { sources: [src], tags: ["cairn"], hostname: "host1", limitUploadKiB: 2048 }),
  });
  await capture({
    name: "snapshots",
    shows: "snapshots --json",
    run: () => d.run("snapshots", {}),
  });
  await capture({
    name: "ls",
    shows: "ls --json of the latest snapshot of host1",
    run: () => d.run("ls", { snapshot: "latest", hosts: ["host1"] }),
  });
  await capture({
    name: "stats",
    shows: "stats --json (restore-size)",
    run: () => d.run("stats", {}),
  });
  await capture({
    name: "stats_raw",
    shows: "stats --json --mode raw-data",
    run: () => d.run("stats", { mode: "raw-data" }),
  });
}

async function unreadableCase({ root, recorded, capture }: Kit) {
  const partial = join(root, "partial");
  await mkdir(partial);
  await writeFile(join(partial, "readable.txt"), "readable\n");
  await writeFile(join(partial, "secret.txt"), "unreadable\n");
  await chmod(join(partial, "secret.txt"), 0o000);
  await capture({
    name: "backup_unreadable",
    shows: "exit 3: one unreadable file (run without read capabilities) and a missing source",
    run: () =>
      recorded({ commandPrefix: DROP_READ_CAPS }).run("backup", {
        sources: [partial, join(root, "missing")],
        hostname: "host1",
      }),
  });
}

async function retentionCases({ d, quiet, src, capture }: Kit) {
  for (const day of [1, 1, 2, 3, 3, 4]) {
    const time = new Date(Date.UTC(2024, 0, day, 8 + day, 0, 0));
    await quiet.run("backup", { sources: [src], tags: ["ret"], hostname: "host1", time });
  }
  const keep = { daily: 2, last: 1 };
  await capture({
    name: "forget_dry_run",
    shows: "forget --dry-run keep-daily 2 keep-last 1, tag ret",
    run: () => d.run("forget", { keep, tags: ["ret"], dryRun: true }),
  });
  await capture({
    name: "forget_prune",
    shows: "forget with --prune: JSON, then prune's prose",
    run: () => d.run("forget", { keep, tags: ["ret"], prune: true }),
  });
}

async function maintenanceCases({ d, root, capture }: Kit) {
  await capture({
    name: "check",
    shows: "check of a healthy repository",
    run: () => d.run("check", {}),
  });
  await capture({
    name: "check_subset",
    shows: "check --read-data-subset=1/2",
    run: () => d.run("check", { readDataSubset: "1/2" }),
  });
  await capture({
    name: "restore",
    shows: "restore latest into an empty directory",
    run: () =>
      d.run("restore", { snapshot: "latest", hosts: ["host1"], target: join(root, "restored") }),
  });
  await capture({
    name: "prune",
    shows: "prune with its prose progress",
    run: () => d.run("prune", {}),
  });
  await capture({ name: "version", shows: "restic version", run: () => d.run("version", {}) });
}

async function failureCases({ root, secrets, recorded, capture }: Kit) {
  await capture({
    name: "wrong_password",
    shows: "snapshots with a wrong password",
    run: () => recorded({ password: secrets[1] }).run("snapshots", {}),
  });
  const nothing = { kind: "local" as const, path: join(root, "nothing-here") };
  await capture({
    name: "repo_missing",
    shows: "snapshots on a directory with no repository",
    run: () => recorded({ repository: nothing }).run("snapshots", {}),
  });
}

async function lockedCase({ config, d, capture }: Kit) {
  const holder = new Deno.Command("restic", {
    args: ["backup", "--stdin", "--stdin-filename", "held.txt", "--host", "host1"],
    env: {
      RESTIC_REPOSITORY: (config.repository as { path: string }).path,
      RESTIC_PASSWORD: config.password,
      RESTIC_CACHE_DIR: config.cacheDir!,
    },
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const writer = holder.stdin.getWriter();
  await writer.write(new TextEncoder().encode("held\n"));
  await new Promise((r) => setTimeout(r, 1500));
  await capture({
    name: "locked",
    shows: "check while another restic holds a lock",
    run: () => d.run("check", {}),
  });
  await writer.close();
  await holder.status;
}

async function cancelCase({ d, root, capture }: Kit) {
  const src = join(root, "src-cancel");
  await writeTree(src, { files: 32, fileSize: 512 * 1024, perDir: 8, seed: 2 });
  const abort = new AbortController();
  await capture({
    name: "cancel_sigint",
    shows: "a backup stopped with SIGINT after its first progress line",
    run: () =>
      d.run("backup", { sources: [src], hostname: "cancelled", limitUploadKiB: 1024 }, {
        signal: abort.signal,
        onEvent: (e) => e.type === "progress" && e.bytes ? abort.abort() : undefined,
      }),
  });
}

async function wrongEngineCase({ root, config, recorded, capture }: Kit) {
  const borgRepo = join(root, "borg-repo");
  const borg = createBorgDriver({
    repository: { kind: "local", path: borgRepo },
    passphrase: config.password,
    baseDir: join(root, "borg-base"),
  });
  await borg.run("init", {});
  await capture({
    name: "wrong_engine",
    shows: "snapshots on a borg repository",
    run: () => recorded({ repository: { kind: "local", path: borgRepo } }).run("snapshots", {}),
  });
}

async function restCases({ src, secrets, recorded, capture }: Kit) {
  const httpPassword = secrets[2];
  const rest = await startRcloneRestServer({ users: { alice: httpPassword }, appendOnly: true });
  try {
    const repository = { kind: "rest" as const, url: `${rest.url}alice/`, username: "alice" };
    const good = recorded({ repository: { ...repository, password: httpPassword } });
    const quiet = createResticDriver({
      repository: { ...repository, password: httpPassword },
      password: secrets[0],
    });
    await quiet.run("init", {});
    await quiet.run("backup", { sources: [src], hostname: "host1" });
    await quiet.run("backup", { sources: [src], hostname: "host1" });
    const badHttp = { ...repository, password: "not-the-http-password" };
    await capture({
      name: "rest_unauthorized",
      shows: "REST server with a wrong HTTP password (401)",
      run: () => recorded({ repository: badHttp }).run("snapshots", {}),
    });
    await capture({
      name: "rest_append_only_forget",
      shows: "forget on an append-only REST server, stopped early",
      run: () => good.run("forget", { keep: { last: 1 } }),
    });
  } finally {
    await rest.stop();
  }
}
