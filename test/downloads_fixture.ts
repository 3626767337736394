/**
 * Downloads through the whole of Cairn: the backup rig (real appliance process, a real agent),
 * a repository of the given engine with one backup of a small source tree, and a signed-in
 * browser-like client that reads downloads as streams.
 */
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobView, SnapshotView } from "../server/contract/backups.ts";
import { ADMIN_PASSWORD } from "./agents/procs.ts";
import { type BackupRig, startBackupRig } from "./e2e/backup_rig.ts";
import { testSecret } from "./helpers/log_capture.ts";

export interface DownloadRig {
  rig: BackupRig;
  work: string;
  src: string;
  repositoryId: string;
  snapshotId: string;
  hostId: string;
  /** A GET with the admin's session cookie. */
  get(path: string, init?: RequestInit): Promise<Response>;
  query(path: string, format?: string): string;
  jobs(kind: string): Promise<JobView[]>;
}

async function makeSource(src: string) {
  await mkdir(join(src, "docs", "deep ü", "n e s t"), { recursive: true });
  await writeFile(join(src, "docs", "readme.txt"), "Hello from Cairn — ünïcödé.\n".repeat(10));
  await writeFile(join(src, "docs", "deep ü", "n e s t", "empty"), "");
  const bin = new Uint8Array(200_000);
  for (let i = 0; i < bin.length; i++) bin[i] = (i * 7 + (i >> 8)) & 0xff;
  await writeFile(join(src, "docs", "data.bin"), bin);
  await writeFile(join(src, "docs", "tool.sh"), "#!/bin/sh\necho ok\n");
  await chmod(join(src, "docs", "tool.sh"), 0o750);
  await symlink("readme.txt", join(src, "docs", "link"));
  await writeFile(join(src, "big.txt"), "0123456789abcdef".repeat(8192)); // 128 KiB of text
}

async function signIn(url: string): Promise<string> {
  const r = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
  });
  assert.equal(r.status, 200);
  await r.body?.cancel();
  return /cairn_session=[^;]*/.exec(r.headers.get("set-cookie") ?? "")![0];
}

export async function withDownloadRig(
  engine: "restic" | "borg",
  fn: (d: DownloadRig) => Promise<void>,
  o: { extraSource?: (src: string) => Promise<void> } = {},
) {
  const work = await mkdtemp(join(tmpdir(), "cairn-downloads-"));
  const rig = await startBackupRig();
  try {
    const src = join(work, "src");
    await makeSource(src);
    await o.extraSource?.(src);
    const hostId = rig.agents[0].hostId;
    const { repository } = await rig.createRepository({
      name: `${engine} downloads`,
      engine,
      location: { kind: "local", path: join(work, "repo") },
      passphrase: testSecret(`downloads-${engine}-pass`),
    });
    const [init] = await rig.run({ kind: "init", repositoryId: repository.id, hostId });
    assert.equal((await rig.finish(init.id)).job.status, "ok");
    const plan = await rig.createPlan({
      name: "files",
      repositoryId: repository.id,
      target: { type: "host", hostId },
      sources: [src],
      retention: { last: 3 },
    });
    const [backup] = await rig.run({ kind: "backup", planId: plan.id });
    const done = await rig.finish(backup.id, 180_000);
    assert.equal(done.job.status, "ok", done.job.message ?? "");
    const { snapshots } = await rig.api<{ snapshots: SnapshotView[] }>(
      "GET",
      `/api/snapshots?repositoryId=${repository.id}`,
    );
    assert.equal(snapshots.length, 1);
    const cookie = await signIn(rig.appliance.url);
    const snapshotId = snapshots[0].id;
    await fn({
      rig,
      work,
      src,
      repositoryId: repository.id,
      snapshotId,
      hostId,
      get: (path, init) =>
        fetch(rig.appliance.url + path, { ...init, headers: { cookie, ...init?.headers } }),
      query: (path, format) =>
        `repositoryId=${repository.id}&snapshotId=${encodeURIComponent(snapshotId)}` +
        `&path=${encodeURIComponent(path)}${format ? `&format=${format}` : ""}`,
      async jobs(kind) {
        const r = await rig.api<{ jobs: JobView[] }>("GET", `/api/jobs?kind=${kind}`);
        return r.jobs;
      },
    });
  } finally {
    await rig.close();
    await rm(work, { recursive: true, force: true });
  }
}
