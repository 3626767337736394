/**
 * The agent's tar-to-zip conversion (zip downloads from borg) against real archivers: GNU tar
 * and pax archives made by `tar` go through the converter in small chunks, and `unzip` must
 * unpack a tree equal to the source: names (long, Unicode, spaces), bytes, modes, symlinks.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTarToZip } from "../agent/jobs/tar_zip.ts";
import { treeDigest } from "./downloads_tree.ts";

async function makeSource(dir: string) {
  const src = join(dir, "src");
  const deep = join(src, "a".repeat(120), "b ü ñ", "c".repeat(150));
  await mkdir(deep, { recursive: true });
  await writeFile(join(deep, "x".repeat(200) + ".txt"), "deep\n");
  await writeFile(join(src, "empty"), "");
  const big = new Uint8Array(3 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
  await writeFile(join(src, "big.bin"), big, { mode: 0o640 });
  await writeFile(join(src, "run.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
  await symlink("big.bin", join(src, "link"));
  await symlink("nowhere", join(src, "dangling"));
  return src;
}

async function convert(tarFile: string, zipFile: string, chunk: number) {
  const tar = await readFile(tarFile);
  const parts: Uint8Array[] = [];
  const z = createTarToZip((c) => {
    parts.push(c.slice());
    return Promise.resolve();
  });
  for (let at = 0; at < tar.byteLength; at += chunk) {
    await z.push(new Uint8Array(tar.subarray(at, at + chunk)));
  }
  await z.end();
  await writeFile(zipFile, Buffer.concat(parts));
}

for (const format of ["gnu", "pax"]) {
  Deno.test(`a ${format} tar becomes a zip whose unpacked tree equals the source`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "cairn-tarzip-"));
    try {
      const src = await makeSource(dir);
      const tarFile = join(dir, "t.tar");
      const made = spawnSync("tar", [`--format=${format}`, "-cf", tarFile, "-C", dir, "src"]);
      assert.equal(made.status, 0, String(made.stderr));
      const zipFile = join(dir, "t.zip");
      await convert(tarFile, zipFile, 7919);
      const out = join(dir, "out");
      const un = spawnSync("unzip", ["-q", zipFile, "-d", out]);
      assert.equal(un.status, 0, String(un.stderr));
      assert.deepEqual(await treeDigest(join(out, "src")), await treeDigest(src));
      assert.equal(await readlink(join(out, "src", "dangling")), "nowhere");
      assert.equal((await lstat(join(out, "src", "run.sh"))).mode & 0o777, 0o755);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
