/**
 * What must hold for downloads and previews with either engine, through the real appliance and
 * a real agent: raw, tar and zip whose contents equal the source, previews of text and binary
 * files, refusals before any job runs, and a browser that goes away cancelling the job.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PreviewView } from "../server/contract/downloads.ts";
import { waitFor } from "./agents/procs.ts";
import { type DownloadRig, withDownloadRig } from "./downloads_fixture.ts";
import { treeDigest } from "./downloads_tree.ts";

const BIG = 96 * 1024 * 1024;

async function bigFile(src: string) {
  // Incompressible and not deduplicable, so the tool really streams this many bytes.
  const chunk = new Uint8Array(1024 * 1024);
  const parts: Uint8Array[] = [];
  let x = 12345;
  for (let m = 0; m < BIG / chunk.length; m++) {
    const c = new Uint8Array(chunk.length);
    for (let i = 0; i < c.length; i += 4) {
      x = (x * 1103515245 + 12345) >>> 0;
      c[i] = x >>> 24;
      c[i + 1] = x >>> 16;
      c[i + 2] = x >>> 8;
      c[i + 3] = x;
    }
    parts.push(c);
  }
  await writeFile(join(src, "big.bin"), parts);
}

async function unpackAndCompare(d: DownloadRig, format: "tar" | "zip") {
  const res = await d.get(`/api/downloads?${d.query(`${d.src}/docs`, format)}`);
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(
    res.headers.get("content-type"),
    format === "tar" ? "application/x-tar" : "application/zip",
  );
  assert.match(
    res.headers.get("content-disposition") ?? "",
    new RegExp(`filename="docs\\.${format}"`),
  );
  const file = join(d.work, `docs.${format}`);
  await writeFile(file, new Uint8Array(await res.arrayBuffer()));
  const out = join(d.work, `out-${format}`);
  await mkdir(out);
  const r = format === "tar"
    ? spawnSync("tar", ["-xf", file, "-C", out])
    : spawnSync("unzip", ["-q", file, "-d", out]);
  assert.equal(r.status, 0, String(r.stderr));
  assert.deepEqual(
    await treeDigest(join(out, d.src.slice(1), "docs")),
    await treeDigest(join(d.src, "docs")),
    `the unpacked ${format} equals the source folder`,
  );
}

async function refusals(d: DownloadRig) {
  const before = (await d.jobs("dump")).length;
  const unknown = await d.get(
    `/api/downloads?repositoryId=${d.repositoryId}&snapshotId=nosuchsnapshot&path=/x`,
  );
  assert.equal(unknown.status, 404);
  assert.equal((await unknown.json()).error.code, "not_found");
  const traversal = await d.get(`/api/downloads?${d.query(`${d.src}/docs/../../etc/passwd`)}`);
  assert.equal(traversal.status, 400);
  assert.equal((await traversal.json()).error.code, "invalid_input");
  const relative = await d.get(`/api/preview?${d.query("etc/passwd")}`);
  assert.equal(relative.status, 400);
  await relative.body?.cancel();
  assert.equal((await d.jobs("dump")).length, before, "no job for a refused request");
  const folder = await d.get(`/api/downloads?${d.query(`${d.src}/docs`, "raw")}`);
  assert.equal(folder.status, 400, "raw on a folder");
  assert.match((await folder.json()).error.message, /tar or zip/);
  const missing = await d.get(`/api/downloads?${d.query(`${d.src}/nope.txt`)}`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
}

async function previews(d: DownloadRig) {
  const text = await d.get(`/api/preview?${d.query(`${d.src}/docs/readme.txt`)}`);
  assert.equal(text.status, 200);
  const t = await text.json() as PreviewView;
  const readme = await readFile(join(d.src, "docs", "readme.txt"), "utf8");
  assert.deepEqual(t, {
    path: `${d.src}/docs/readme.txt`,
    size: Buffer.byteLength(readme),
    text: readme,
    binary: false,
    truncated: false,
  });
  const bin = await (await d.get(`/api/preview?${d.query(`${d.src}/docs/data.bin`)}`)).json();
  assert.deepEqual(bin, {
    path: `${d.src}/docs/data.bin`,
    size: 200_000,
    text: null,
    binary: true,
    truncated: true,
  });
  const big = await (await d.get(`/api/preview?${d.query(`${d.src}/big.txt`)}`)).json();
  assert.equal(big.truncated, true);
  assert.equal(big.text.length, 64 * 1024);
  assert.equal(big.size, 128 * 1024);
}

async function cancelOnDisconnect(d: DownloadRig) {
  const ac = new AbortController();
  const res = await d.get(`/api/downloads?${d.query(`${d.src}/big.bin`)}`, { signal: ac.signal });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-length"), String(BIG));
  const reader = res.body!.getReader();
  let got = 0;
  while (got < 1024 * 1024) got += (await reader.read()).value!.byteLength;
  ac.abort();
  let seen = "";
  const ended = await waitFor("the dump job to end", async () => {
    const [latest] = await d.jobs("dump");
    seen = JSON.stringify({ status: latest.status, cancelRequested: latest.cancelRequested });
    return ["ok", "warning", "failed", "cancelled"].includes(latest.status) ? latest : null;
  }, 60_000).catch((err) => {
    throw new Error(`${err.message}; last seen ${seen}`);
  });
  assert.equal(ended.status, "cancelled", ended.message ?? "");
}

export function downloadCases(engine: "restic" | "borg") {
  Deno.test(`${engine}: downloads and previews through the appliance`, async (t) => {
    await withDownloadRig(engine, async (d) => {
      await t.step("a raw file arrives byte for byte with its size and name", async () => {
        const res = await d.get(`/api/downloads?${d.query(`${d.src}/docs/data.bin`)}`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-length"), "200000");
        assert.match(res.headers.get("content-disposition") ?? "", /filename="data\.bin"/);
        const body = new Uint8Array(await res.arrayBuffer());
        assert.deepEqual(body, new Uint8Array(await readFile(join(d.src, "docs", "data.bin"))));
      });
      await t.step("a folder as tar unpacks to the source", () => unpackAndCompare(d, "tar"));
      await t.step("a folder as zip unpacks to the source", () => unpackAndCompare(d, "zip"));
      await t.step("previews of text and binary files", () => previews(d));
      await t.step("refusals", () => refusals(d));
      await t.step("the browser going away cancels the job", () => cancelOnDisconnect(d));
      await t.step("finished dump jobs say how many bytes they sent", async () => {
        const ok = (await d.jobs("dump")).filter((j) => j.status === "ok");
        assert.ok(ok.length >= 4);
        assert.ok(ok.some((j) => (j.result as { bytes?: number }).bytes === 200_000));
      });
    }, { extraSource: bigFile });
  });
}
