/** A tree's digest for download tests: every entry's relative path, type, mode and content. */
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";

export async function treeDigest(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string, rel: string) {
    for (const name of (await readdir(dir)).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(p);
      if (st.isSymbolicLink()) out.push(`${r} -> ${await readlink(p)}`);
      else if (st.isDirectory()) {
        out.push(`${r}/`);
        await walk(p, r);
      } else {
        const sum = createHash("sha256").update(await readFile(p)).digest("hex").slice(0, 16);
        out.push(`${r} ${(st.mode & 0o777).toString(8)} ${st.size} ${sum}`);
      }
    }
  }
  await walk(root, "");
  return out;
}
