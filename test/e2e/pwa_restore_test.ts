/**
 * On-site restore in Chromium on a phone: a small tree backed up with real restic through the
 * API, indexed after the backup, a file found by search, browsed and previewed, restored to a new
 * place through the wizard, and checked on disk. Screenshots at phone and desktop sizes.
 */
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { IndexedSnapshotView } from "../../server/contract/index_api.ts";
import { PROJECT_ROOT } from "../../server/paths.ts";
import { ADMIN_PASSWORD, waitFor } from "../agents/procs.ts";
import { DESKTOP, launchBrowser, PHONE } from "../helpers/browser.ts";
import { testSecret } from "../helpers/log_capture.ts";
import { writeTree } from "../tools/tree.ts";
import { type BackupRig, startBackupRig } from "./backup_rig.ts";
import { screenshot, signIn } from "./pwa_helpers.ts";

const NGINX = "worker_processes 2;\nevents { worker_connections 512; }\n";

/**
 * A screenshot in test-results; with CAIRN_UPDATE_SCREENSHOTS=1 also for the docs (a test run
 * must not change tracked files).
 */
async function shoot(page: Page, name: string) {
  const path = await screenshot(page, name);
  if (Deno.env.get("CAIRN_UPDATE_SCREENSHOTS") !== "1") return;
  const docs = join(PROJECT_ROOT, "docs", "screenshots");
  await mkdir(docs, { recursive: true });
  await copyFile(path, join(docs, `${name}.png`));
}

async function backedUpTree(rig: BackupRig, work: string) {
  const src = join(work, "src");
  await writeTree(join(src, "data"), { files: 12, fileSize: 2048 });
  await mkdir(join(src, "etc", "nginx"), { recursive: true });
  await writeFile(join(src, "etc", "nginx", "nginx.conf"), NGINX);
  await writeFile(join(src, "etc", "hostname"), "web-1\n");
  const hostId = rig.agents[0].hostId;
  const { repository } = await rig.createRepository({
    name: "local",
    engine: "restic",
    location: { kind: "local", path: join(work, "repo") },
    passphrase: testSecret("restore-e2e-pass"),
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
  const { job } = await rig.finish(backup.id);
  assert.equal(job.status, "ok", job.message ?? "");
  // The appliance indexes each new snapshot after its backup.
  const indexed = await waitFor("the snapshot to be indexed", async () => {
    const r = await rig.api<{ snapshots: IndexedSnapshotView[] }>(
      "GET",
      `/api/index/snapshots?repositoryId=${repository.id}`,
    );
    return r.snapshots.find((s) => s.indexedAt !== null) ?? null;
  }, 60_000);
  return { src, hostId, repositoryId: repository.id, snapshotId: indexed.snapshotId };
}

Deno.test("on a phone: find a file by search, browse and preview it, restore it to a new folder", async () => {
  const work = await mkdtemp(join(tmpdir(), "cairn-restore-e2e-"));
  const rig = await startBackupRig();
  const browser = await launchBrowser();
  try {
    const t = await backedUpTree(rig, work);
    const root = join(work, "restores");
    await mkdir(root, { recursive: true });
    await rig.api("PATCH", `/api/hosts/${t.hostId}/restore-roots`, { roots: [root] });

    const page = await browser.newPage(PHONE);
    page.setDefaultTimeout(15_000);
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(new URL(`/restore?hostId=${t.hostId}`, rig.appliance.url).href);
    await signIn(page, "admin", ADMIN_PASSWORD);
    await page.getByRole("heading", { name: "Restore", level: 1 }).waitFor();

    // Search by name: every version, with Browse here / Restore / Download.
    await page.getByRole("searchbox").fill("nginx.conf");
    await page.getByRole("button", { name: "Search" }).click();
    const match = page.locator(".search-match", { hasText: `${t.src}/etc/nginx/nginx.conf` });
    await match.waitFor();
    assert.equal(await match.locator(".search-version").count(), 1, "one snapshot, one version");
    await shoot(page, "restore-search-phone-light");

    // Browse here: the folder of the match, its file previewed in a sheet.
    await match.getByRole("link", { name: "Browse here" }).click();
    await page.locator(".crumbs").getByText("nginx", { exact: true }).waitFor();
    await page.getByRole("button", { name: "nginx.conf" }).click();
    const sheet = page.getByRole("dialog");
    await sheet.locator(".file-preview").waitFor({ timeout: 60_000 });
    assert.equal((await sheet.locator(".file-preview").textContent())?.trim(), NGINX.trim());
    const download = await sheet.getByRole("link", { name: /Download \(/ }).getAttribute("href");
    assert.match(download ?? "", /^\/api\/downloads\?.*format=raw/);
    await shoot(page, "restore-preview-phone-light");
    await sheet.getByRole("button", { name: "Close" }).click();

    // Up one folder through the breadcrumbs: from memory, so no "Listing" line shows.
    await page.locator(".crumbs").getByRole("link", { name: "etc" }).click();
    await page.getByRole("link", { name: "nginx" }).waitFor();
    assert.equal(await page.locator(".loading").count(), 0);
    await page.getByRole("checkbox", { name: "Pick hostname" }).check();
    await page.getByRole("link", { name: "nginx" }).click();
    await page.getByRole("checkbox", { name: "Pick nginx.conf" }).check();
    await page.getByText("Picked: 2 items").waitFor();
    await shoot(page, "restore-browser-phone-light");

    // The wizard: a new folder inside the allowed root is the default.
    await page.getByRole("link", { name: "Restore 2 picked…" }).click();
    const folder = page.getByLabel(/^Folder on/);
    const target = await folder.inputValue();
    assert.ok(target.startsWith(`${root}/`), `default ${target} lies inside ${root}`);
    await shoot(page, "restore-wizard-phone-light");
    // Outside the roots is refused before anything is sent.
    await folder.fill("/tmp/elsewhere");
    await page.getByText(/must be inside/).waitFor();
    assert.ok(await page.getByRole("button", { name: "Start restore" }).isDisabled());
    await folder.fill(target);
    await page.getByRole("button", { name: "Start restore" }).click();
    await page.waitForURL(/\/jobs\/[^/]+$/);
    const jobId = new URL(page.url()).pathname.split("/").pop()!;
    const { job } = await rig.finish(jobId);
    assert.equal(job.status, "ok", job.message ?? "");
    assert.equal(
      await readFile(join(target, t.src, "etc", "nginx", "nginx.conf"), "utf8"),
      NGINX,
      "the file is back, byte for byte, below the new folder at its snapshot path",
    );
    assert.equal(await readFile(join(target, t.src, "etc", "hostname"), "utf8"), "web-1\n");

    // The snapshot's history names the restore.
    await page.goto(
      new URL(`/hosts/${t.hostId}/snapshots/${t.repositoryId}/${t.snapshotId}`, rig.appliance.url)
        .href,
    );
    await page.locator(".restore-item", { hasText: target }).waitFor();

    const desk = await browser.newPage(DESKTOP);
    await desk.goto(
      new URL(
        `/hosts/${t.hostId}/snapshots/${t.repositoryId}/${t.snapshotId.slice(0, 8)}?path=${
          encodeURIComponent(join(t.src, "data"))
        }&sort=size&order=desc`,
        rig.appliance.url,
      ).href,
    );
    await desk.locator(".dir-table tbody tr").first().waitFor();
    await shoot(desk, "restore-browser-desktop-light");
    assert.deepEqual(problems, []);
  } catch (err) {
    for (const [i, p] of browser.context.pages().entries()) {
      await screenshot(p, `restore-failure-${i}`).catch(() => "");
    }
    throw err;
  } finally {
    await browser.close();
    await rig.close();
    await rm(work, { recursive: true, force: true });
  }
});
