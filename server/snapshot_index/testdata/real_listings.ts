/**
 * Test helper: builds a small tree of hard cases (Unicode, spaces and a newline in names, a
 * 255-byte name, deep nesting, symlinks including a dangling one, a hard link, an empty file, a
 * sparse file, a FIFO, odd modes), backs it up with the real restic and borg into temp
 * repositories, and returns what `restic ls --json` and `borg list --json-lines` print.
 */
import { chmod, link, mkdir, mkdtemp, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const LONG_NAME = "é".repeat(127) + "x"; // 255 bytes in UTF-8
export const DEEP = ["d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "d10", "d11", "d12"];

async function run(cmd: string, args: string[], cwd: string, env: Record<string, string>) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    env: { ...env, LANG: "C.UTF-8", LC_ALL: "C.UTF-8", TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args[0]} failed (${out.code}): ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return new TextDecoder().decode(out.stdout);
}

async function makeTree(src: string) {
  await mkdir(join(src, "etc", "nginx", "sites"), { recursive: true });
  await writeFile(join(src, "etc", "nginx", "nginx.conf"), "worker_processes 1;\n");
  await writeFile(join(src, "etc", "nginx", "sites", "default.conf"), "server {}\n");
  await writeFile(join(src, "etc", "hosts"), "127.0.0.1 localhost\n");
  await mkdir(join(src, "Ünïcödé ✓"), { recursive: true });
  await writeFile(join(src, "Ünïcödé ✓", "naïve café.txt"), "ü");
  await writeFile(join(src, "with space.txt"), "two words");
  await writeFile(join(src, "new\nline"), "nl");
  await writeFile(join(src, LONG_NAME), "long");
  await mkdir(join(src, ...DEEP), { recursive: true });
  await writeFile(join(src, ...DEEP, "bottom.txt"), "deep");
  await writeFile(join(src, "empty"), "");
  await writeFile(join(src, "script.sh"), "#!/bin/sh\n");
  await chmod(join(src, "script.sh"), 0o4755);
  await truncate(join(src, "sparse.img"), 64 * 1024 * 1024).catch(async () => {
    await writeFile(join(src, "sparse.img"), "");
    await truncate(join(src, "sparse.img"), 64 * 1024 * 1024);
  });
  await symlink("etc/nginx/nginx.conf", join(src, "link-to-conf"));
  await symlink("/nowhere/at/all", join(src, "dangling"));
  await link(join(src, "etc", "hosts"), join(src, "hosts-hardlink"));
  await run("mkfifo", [join(src, "fifo")], src, {});
}

export interface RealListings {
  restic: string[];
  borg: string[];
}

/** Backs the fixture tree up with both tools and lists it. Paths start at /src. */
export async function realListings(): Promise<RealListings> {
  const dir = await mkdtemp(join(tmpdir(), "cairn-index-tools-"));
  try {
    await makeTree(join(dir, "src"));
    const env = {
      RESTIC_PASSWORD: "test password",
      BORG_PASSPHRASE: "test password",
      RESTIC_CACHE_DIR: join(dir, "restic-cache"),
      BORG_BASE_DIR: join(dir, "borg-base"),
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    };
    await run("restic", ["init", "-q", "-r", "restic-repo"], dir, env);
    await run("restic", ["backup", "-q", "-r", "restic-repo", "src"], dir, env);
    const restic = await run("restic", ["ls", "--json", "-r", "restic-repo", "latest"], dir, env);
    await run("borg", ["init", "-e", "repokey", "borg-repo"], dir, env);
    await run("borg", ["create", "borg-repo::one", "src"], dir, env);
    const borg = await run("borg", ["list", "--json-lines", "borg-repo::one"], dir, env);
    return { restic: restic.split("\n"), borg: borg.split("\n") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
