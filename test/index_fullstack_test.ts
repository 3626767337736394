/**
 * The snapshot index through the whole of Cairn, with real restic and borg: the real appliance
 * process and a real agent. Two backups of a fixture tree are indexed by the index jobs queued
 * after each backup; then browse, search by name and glob across both, diff them, forget one and
 * see it leave the index; and the bad inputs a browser may send.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobView } from "../server/contract/backups.ts";
import type {
  DiffView,
  DirectoryPageView,
  IndexedSnapshotView,
  SearchView,
} from "../server/contract/index_api.ts";
import { waitFor } from "./agents/procs.ts";
import { testSecret } from "./helpers/log_capture.ts";
import { type BackupRig, startBackupRig } from "./e2e/backup_rig.ts";

async function writeFixture(src: string, version: 1 | 2) {
  await mkdir(join(src, "etc", "nginx", "sites"), { recursive: true });
  await mkdir(join(src, "home", "ana", "notes with spaces"), { recursive: true });
  await writeFile(join(src, "etc", "nginx", "nginx.conf"), "worker_processes 1;\n".repeat(version));
  await writeFile(join(src, "etc", "nginx", "sites", "default.conf"), "server {}\n");
  await writeFile(join(src, "home", "ana", "notes with spaces", "ünïcode.txt"), "hello\n");
  await writeFile(join(src, "home", "ana", "big.bin"), new Uint8Array(100_000));
  if (version === 2) await writeFile(join(src, "home", "ana", "new.txt"), "added\n");
  else await writeFile(join(src, "home", "ana", "old.txt"), "removed later\n");
  if (version === 2) await rm(join(src, "home", "ana", "old.txt"));
}

async function indexJobsDone(rig: BackupRig, repositoryId: string, n: number) {
  return await waitFor(`${n} index jobs to end`, async () => {
    const { jobs } = await rig.api<{ jobs: JobView[] }>(
      "GET",
      `/api/jobs?repositoryId=${repositoryId}&kind=index`,
    );
    const ended = jobs.filter((j) => !["queued", "sent", "running"].includes(j.status));
    return ended.length >= n ? ended : null;
  }, 60_000);
}

async function raw(rig: BackupRig, path: string) {
  return await rig.appliance.admin.json<{ error: { code: string } }>("GET", path);
}

async function scenario(engine: "restic" | "borg") {
  const work = await mkdtemp(join(tmpdir(), `cairn-index-${engine}-`));
  const rig = await startBackupRig();
  try {
    const hostId = rig.agents[0].hostId;
    const src = join(work, "src");
    await writeFixture(src, 1);
    const { repository } = await rig.createRepository({
      name: `index-${engine}`,
      engine,
      location: { kind: "local", path: join(work, "repo") },
      passphrase: testSecret(`index-${engine}-pass`),
    });
    const repo = repository.id;
    const [init] = await rig.run({ kind: "init", repositoryId: repo, hostId });
    assert.equal((await rig.finish(init.id)).job.status, "ok");
    const plan = await rig.createPlan({
      name: `files-${engine}`,
      repositoryId: repo,
      target: { type: "host", hostId },
      sources: [src],
      retention: { last: 1 },
    });
    const backup = async () => {
      const [j] = await rig.run({ kind: "backup", planId: plan.id });
      const { job } = await rig.finish(j.id);
      assert.equal(job.status, "ok", job.message ?? "");
      return job.snapshotId!;
    };
    const first = await backup();
    await writeFixture(src, 2);
    const second = await backup();

    const ended = await indexJobsDone(rig, repo, 2);
    for (const j of ended) assert.equal(j.status, "ok", `index job ${j.id}: ${j.status}`);
    const { snapshots } = await rig.api<{ snapshots: IndexedSnapshotView[] }>(
      "GET",
      `/api/index/snapshots?repositoryId=${repo}`,
    );
    assert.equal(snapshots.length, 2, "both backups were indexed after they were made");
    assert.ok(snapshots.every((s) => s.hostId === hostId && s.entries >= 8));

    // Browse: the source directory of the second snapshot, by the id the backup job gave.
    const q = (p: string) => encodeURIComponent(p);
    const page = await rig.api<DirectoryPageView>(
      "GET",
      `/api/index/browse?repositoryId=${repo}&snapshotId=${second}&path=${q(src + "/home/ana")}`,
    );
    assert.deepEqual(
      page.entries.map((e) => e.name),
      ["notes with spaces", "big.bin", "new.txt"],
      "folders first, then by name",
    );
    const big = page.entries.find((e) => e.name === "big.bin")!;
    assert.equal(big.type, "file");
    assert.equal(big.size, 100_000);
    assert.equal(page.entries[0].itemCount, 1);
    assert.equal(page.breadcrumbs.at(-1)?.path, src + "/home/ana");
    const bySize = await rig.api<DirectoryPageView>(
      "GET",
      `/api/index/browse?repositoryId=${repo}&snapshotId=${second}&path=${
        q(src + "/home/ana")
      }&sort=size&order=desc`,
    );
    assert.equal(bySize.entries.find((e) => e.type === "file")?.name, "big.bin");

    // Search: every version of nginx.conf, by name and by glob.
    const byName = await rig.api<SearchView>(
      "GET",
      `/api/index/search?q=nginx.conf&mode=name&hostId=${hostId}`,
    );
    assert.equal(byName.matches.length, 1);
    assert.equal(byName.matches[0].path, src + "/etc/nginx/nginx.conf");
    assert.deepEqual(
      byName.matches[0].versions.map((v) => v.size).sort(),
      [20, 40],
      "one version per snapshot, with its own size",
    );
    const byGlob = await rig.api<SearchView>(
      "GET",
      `/api/index/search?q=${q("**/nginx/**/*.conf")}&mode=glob&repositoryId=${repo}`,
    );
    assert.deepEqual(
      byGlob.matches.map((m) => m.name).sort(),
      ["default.conf", "nginx.conf"],
    );

    // Diff: added, removed and changed, with sizes.
    const diff = await rig.api<DiffView>(
      "GET",
      `/api/index/diff?repositoryId=${repo}&from=${first}&to=${second}`,
    );
    const change = (p: string) => diff.entries.find((e) => e.path === src + p)?.change;
    assert.equal(change("/home/ana/new.txt"), "added");
    assert.equal(change("/home/ana/old.txt"), "removed");
    assert.equal(change("/etc/nginx/nginx.conf"), "changed");
    assert.equal(diff.summary.added, 1);
    assert.equal(diff.summary.removed, 1);

    // Bad input: traversal, an unknown snapshot, a fleet search by... an admin may.
    assert.equal(
      (await raw(
        rig,
        `/api/index/browse?repositoryId=${repo}&snapshotId=${second}&path=${q("/etc/../root")}`,
      )).status,
      400,
    );
    const missing = await raw(rig, `/api/index/browse?repositoryId=${repo}&snapshotId=deadbeef`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "not_indexed");
    assert.equal((await raw(rig, `/api/index/search?q=x&mode=regex`)).status, 400);
    assert.equal(
      (await raw(rig, `/api/index/diff?repositoryId=${repo}&from=${first}`)).status,
      400,
    );

    // Forget keeps the last one: the listing that follows drops the first from the index.
    const [forget] = await rig.run({ kind: "forget", planId: plan.id });
    assert.equal((await rig.finish(forget.id)).job.status, "ok");
    const left = await waitFor("the forgotten snapshot to leave the index", async () => {
      const r = await rig.api<{ snapshots: IndexedSnapshotView[] }>(
        "GET",
        `/api/index/snapshots?repositoryId=${repo}`,
      );
      return r.snapshots.length === 1 ? r.snapshots : null;
    }, 20_000);
    assert.ok(left[0].snapshotId.startsWith(second), "the kept snapshot stays indexed");
    const gone = await raw(rig, `/api/index/browse?repositoryId=${repo}&snapshotId=${first}`);
    assert.equal(gone.body.error.code, "not_indexed");
  } finally {
    await rig.close();
    await rm(work, { recursive: true, force: true });
  }
}

Deno.test("restic: backups are indexed, browsed, searched, diffed, and dropped when forgotten", () =>
  scenario("restic"));

Deno.test("borg: backups are indexed, browsed, searched, diffed, and dropped when forgotten", () =>
  scenario("borg"));
