/** The restic cases of scripts/capture_tool_output.ts (see there for the file format). */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunResult } from "../../agent/tools/common/result.ts";
import { createBorgDriver } from "../../agent/tools/borg/driver.ts";
import { createResticDriver, type ResticConfig } from "../../agent/tools/restic/driver.ts";
import { startRcloneRestServer } from "../../test/helpers/rclone.ts";
import { writeTree } from "../../test/tools/tree.ts";
import { type CaptureContext, DROP_READ_CAPS } from "../capture_tool_output.ts";

export async function captureRestic(ctx: CaptureContext): Promise<void> {
  const { root, recorder } = ctx;
  const [password, wrongPassword] = ctx.secrets;
  const src = join(root, "src");
  await writeTree(src, { files: 24, fileSize: 256 * 1024, perDir: 8 });
  const config: ResticConfig = {
    repository: { kind: "local", path: join(root, "repo") },
    password,
    cacheDir: join(root, "cache"),
  };
  const recorded = (over: Partial<ResticConfig> = {}) =>
    createResticDriver({ ...config, ...over }, { spawn: recorder.spawn });
  const quiet = createResticDriver(config);
  const capture = async <R>(name: string, shows: string, run: () => Promise<RunResult<R>>) => {
    recorder.use(name, shows);
    const r = await run();
    recorder.done(name, r);
    return r;
  };
  const d = recorded();

  await capture("init", "restic init on a new local repository", () => d.run("init", {}));
  const big = join(root, "src-big");
  await writeTree(big, { files: 96, fileSize: 1024 * 1024, perDir: 16, seed: 3 });
  await capture(
    "backup_progress",
    "a 96 MiB backup with status lines mid-way",
    () => d.run("backup", { sources: [big], tags: ["cairn"], hostname: "host1" }),
  );
  await capture(
    "backup_limited",
    "a backup with --limit-upload (reading done, upload throttled)",
    () =>
      d.run("backup", { sources: [src], tags: ["cairn"], hostname: "host1", limitUploadKiB: 2048 }),
  );
  await capture("snapshots", "snapshots --json", () => d.run("snapshots", {}));
  await capture(
    "ls",
    "ls --json of the latest snapshot of host1",
    () => d.run("ls", { snapshot: "latest", hosts: ["host1"] }),
  );
  await capture("stats", "stats --json (restore-size)", () => d.run("stats", {}));
  await capture(
    "stats_raw",
    "stats --json --mode raw-data",
    () => d.run("stats", { mode: "raw-data" }),
  );

  const partial = join(root, "partial");
  await mkdir(partial);
  await writeFile(join(partial, "readable.txt"), "readable\n");
  await writeFile(join(partial, "secret.txt"), "unreadable\n");
  await chmod(join(partial, "secret.txt"), 0o000);
  await capture(
    "backup_unreadable",
    "exit 3: one unreadable file (run without read capabilities) and a missing source",
    () =>
      recorded({ commandPrefix: DROP_READ_CAPS }).run("backup", {
        sources: [partial, join(root, "missing")],
        hostname: "host1",
      }),
  );

  await retentionCases(d, quiet, src, capture);
  await capture("check", "check of a healthy repository", () => d.run("check", {}));
  await capture(
    "check_subset",
    "check --read-data-subset=1/2",
    () => d.run("check", { readDataSubset: "1/2" }),
  );
  await capture(
    "restore",
    "restore latest into an empty directory",
    () =>
      d.run("restore", { snapshot: "latest", hosts: ["host1"], target: join(root, "restored") }),
  );
  await capture("prune", "prune with its prose progress", () => d.run("prune", {}));
  await capture("version", "restic version", () => d.run("version", {}));
  await capture(
    "wrong_password",
    "snapshots with a wrong password",
    () => recorded({ password: wrongPassword }).run("snapshots", {}),
  );
  await capture(
    "repo_missing",
    "snapshots on a directory with no repository",
    () =>
      recorded({ repository: { kind: "local", path: join(root, "nothing-here") } }).run(
        "snapshots",
        {},
      ),
  );
  await lockedCase(config, capture, d);
  await cancelCase(d, join(root, "src-cancel"), capture);
  await wrongEngineCase(root, password, recorded, capture);
  await restCases(ctx, recorded, src, capture);
}

type Capture = <R>(
  name: string,
  shows: string,
  run: () => Promise<RunResult<R>>,
) => Promise<RunResult<R>>;
type Driver = ReturnType<typeof createResticDriver>;

async function retentionCases(d: Driver, quiet: Driver, src: string, capture: Capture) {
  for (const day of [1, 1, 2, 3, 3, 4]) {
    const time = new Date(Date.UTC(2024, 0, day, 8 + day, 0, 0));
    await quiet.run("backup", { sources: [src], tags: ["ret"], hostname: "host1", time });
  }
  const keep = { daily: 2, last: 1 };
  await capture(
    "forget_dry_run",
    "forget --dry-run keep-daily 2 keep-last 1, tag ret",
    () => d.run("forget", { keep, tags: ["ret"], dryRun: true }),
  );
  await capture(
    "forget_prune",
    "forget with --prune: JSON, then prune's prose",
    () => d.run("forget", { keep, tags: ["ret"], prune: true }),
  );
}

async function lockedCase(config: ResticConfig, capture: Capture, d: Driver) {
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
  await capture("locked", "check while another restic holds a lock", () => d.run("check", {}));
  await writer.close();
  await holder.status;
}

async function cancelCase(d: Driver, src: string, capture: Capture) {
  await writeTree(src, { files: 32, fileSize: 512 * 1024, perDir: 8, seed: 2 });
  const abort = new AbortController();
  await capture(
    "cancel_sigint",
    "a backup stopped with SIGINT after its first progress line",
    () =>
      d.run("backup", { sources: [src], hostname: "cancelled", limitUploadKiB: 1024 }, {
        signal: abort.signal,
        onEvent: (e) => e.type === "progress" && e.bytes ? abort.abort() : undefined,
      }),
  );
}

async function wrongEngineCase(
  root: string,
  password: string,
  recorded: (over: Partial<ResticConfig>) => Driver,
  capture: Capture,
) {
  const borgRepo = join(root, "borg-repo");
  const borg = createBorgDriver({
    repository: { kind: "local", path: borgRepo },
    passphrase: password,
    baseDir: join(root, "borg-base"),
  });
  await borg.run("init", {});
  await capture(
    "wrong_engine",
    "snapshots on a borg repository",
    () => recorded({ repository: { kind: "local", path: borgRepo } }).run("snapshots", {}),
  );
}

async function restCases(
  ctx: CaptureContext,
  recorded: (over: Partial<ResticConfig>) => Driver,
  src: string,
  capture: Capture,
) {
  const httpPassword = ctx.secrets[2];
  const rest = await startRcloneRestServer({ users: { alice: httpPassword }, appendOnly: true });
  try {
    const repository = { kind: "rest" as const, url: `${rest.url}alice/`, username: "alice" };
    const good = recorded({ repository: { ...repository, password: httpPassword } });
    const quiet = createResticDriver({
      repository: { ...repository, password: httpPassword },
      password: ctx.secrets[0],
    });
    await quiet.run("init", {});
    await quiet.run("backup", { sources: [src], hostname: "host1" });
    await quiet.run("backup", { sources: [src], hostname: "host1" });
    await capture(
      "rest_unauthorized",
      "REST server with a wrong HTTP password (401)",
      () =>
        recorded({ repository: { ...repository, password: "not-the-http-password" } }).run(
          "snapshots",
          {},
        ),
    );
    await capture(
      "rest_append_only_forget",
      "forget on an append-only REST server, stopped early",
      () => good.run("forget", { keep: { last: 1 } }),
    );
  } finally {
    await rest.stop();
  }
}
