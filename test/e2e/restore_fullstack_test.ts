/**
 * A restore onto another host, through the whole of Cairn: host A backs up with real restic, the
 * admin lets host B restore into a folder of its own, and B restores A's files there with the
 * repository's secrets sealed to B for that one job. Then a restore that would leave B's allowed
 * roots is refused before anything starts.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiError, startBackupRig } from "./backup_rig.ts";
import { testSecret } from "../helpers/log_capture.ts";

Deno.test("a restore onto another host puts the files inside that host's restore root", async () => {
  const work = await mkdtemp(join(tmpdir(), "cairn-restore-e2e-"));
  const rig = await startBackupRig({ agents: [{}, {}] });
  try {
    const [a, b] = rig.agents.map((x) => x.hostId);
    const src = join(work, "src");
    await mkdir(join(src, "etc", "app"), { recursive: true });
    await writeFile(join(src, "etc", "app", "app.conf"), "listen 8080\n");
    await writeFile(join(src, "etc", "app", "ünïcode name.txt"), "héllo\n");
    const { repository } = await rig.createRepository({
      name: "a-files",
      engine: "restic",
      location: { kind: "local", path: join(work, "repo") },
      passphrase: testSecret("cross-host-pass"),
    });
    const [init] = await rig.run({ kind: "init", repositoryId: repository.id, hostId: a });
    assert.equal((await rig.finish(init.id)).job.status, "ok");
    const plan = await rig.createPlan({
      name: "a files",
      repositoryId: repository.id,
      target: { type: "host", hostId: a },
      sources: [src],
    });
    const [backup] = await rig.run({ kind: "backup", planId: plan.id });
    const { job: made } = await rig.finish(backup.id);
    assert.equal(made.status, "ok", made.message ?? "");

    const root = join(work, "b-restores");
    await mkdir(root);
    await rig.api("PATCH", `/api/hosts/${b}/restore-roots`, { roots: [root] });
    const into = join(root, "from-a");
    const request = {
      repositoryId: repository.id,
      snapshotId: made.snapshotId,
      paths: [join(src, "etc", "app")],
      target: { type: "host", hostId: b, path: into },
      overwrite: "never",
    };
    const { jobs } = await rig.api<{ jobs: Array<{ id: string; host: { id: string } }> }>(
      "POST",
      "/api/restores",
      request,
    );
    assert.equal(jobs[0].host.id, b, "the restore runs on the target host");
    const { job: restored } = await rig.finish(jobs[0].id);
    assert.equal(restored.status, "ok", `${restored.message} ${restored.tail}`);
    const placed = join(into, src, "etc", "app");
    assert.equal(await readFile(join(placed, "app.conf"), "utf8"), "listen 8080\n");
    assert.equal(await readFile(join(placed, "ünïcode name.txt"), "utf8"), "héllo\n");

    const outside = { ...request, target: { type: "host", hostId: b, path: join(work, "x") } };
    const refused = await rig.api("POST", "/api/restores", outside).catch((e) => e);
    assert.ok(refused instanceof ApiError && refused.status === 400, String(refused));
    const { restores } = await rig.api<{ restores: unknown[] }>(
      "GET",
      `/api/restores?repositoryId=${repository.id}&snapshotId=${made.snapshotId}`,
    );
    assert.equal(restores.length, 1, "one restore in the snapshot's history, the refused none");
  } finally {
    await rig.close();
    await rm(work, { recursive: true, force: true });
  }
});
