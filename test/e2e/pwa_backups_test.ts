/**
 * The backup screens in Debian's Chromium against a real appliance: an SSH key generated with its
 * authorized_keys line, a restic repository whose minted passphrase is shown once, its init job
 * followed live and cancelled, the plan editor's field errors and command preview, the host's
 * plan tab, the job history, and what a viewer may not do. The host is a simulated agent
 * enrolled with a token (approved at once); it never runs the job, which is the point here:
 * the job page must stand on a job that waits. Needs the built PWA (`node scripts/build.mjs`).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { CreatedEnrollmentTokenView } from "../../server/contract/hosts.ts";
import { createUlidFactory } from "../../agent/ulid.ts";
import type { RepositoryView } from "../../server/contract/backups.ts";
import { simAgent } from "../agents/sim.ts";
import type { SimAgent } from "../agents/sim.ts";
import { DESKTOP, PHONE } from "../helpers/browser.ts";
import { adminApi, createAdmin, PASSWORD, screenshot, signIn, startRig } from "./pwa_helpers.ts";

/** Both themes of the page as it is now, under `name`. */
async function shots(page: Page, name: string) {
  await screenshot(page, `${name}-light`);
  await page.emulateMedia({ colorScheme: "dark" });
  await screenshot(page, `${name}-dark`);
  await page.emulateMedia({ colorScheme: "light" });
}

const fieldError = (page: Page, label: string) =>
  page.locator(".field", { has: page.getByLabel(label, { exact: true }) }).locator(
    ".field__error",
  );

Deno.test("backups in the browser: key, repository with a minted passphrase, its job, a plan, roles", async () => {
  const rig = await startRig();
  const work = await mkdtemp(join(tmpdir(), "cairn-pwa-backups-"));
  try {
    await createAdmin(rig.server.url);
    const api = await adminApi(rig.server.url);
    const made = await api<CreatedEnrollmentTokenView>("POST", "/api/enrollment-tokens", {
      name: "web-1",
    });
    const host = await simAgent(rig.server.url, { token: made.secret, name: "web-1" });
    await api("POST", "/api/users", { username: "viewer", password: PASSWORD, role: "viewer" });
    await rig.browser.context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: rig.server.url,
    });

    // An SSH key, generated on the appliance, with its public line and fingerprint.
    const page = await rig.open("/ssh-keys");
    await signIn(page, "admin");
    await page.getByRole("heading", { name: "SSH keys", level: 1 }).waitFor();
    await page.getByRole("button", { name: "New SSH key" }).first().click();
    await page.getByLabel("Name", { exact: true }).fill("nas-key");
    await page.getByRole("button", { name: "Generate key" }).click();
    const pub = page.getByLabel("Public key of nas-key");
    await pub.waitFor();
    assert.match(await pub.textContent() ?? "", /^ssh-ed25519 AAAA/);
    assert.match(await page.getByTestId("key-fingerprint").textContent() ?? "", /^SHA256:/);
    await page.getByLabel("authorized_keys line for nas-key").waitFor();
    await page.getByRole("button", { name: "Copy the public key" }).click();
    assert.equal(
      await page.evaluate(() => navigator.clipboard.readText()),
      await pub.textContent(),
    );
    await shots(page, "backups-ssh-keys-desktop");

    // A restic repository in a folder: a wrong path is refused by field, then it is made with a
    // passphrase Cairn mints and shows once, and its init job opens.
    await page.getByRole("link", { name: "Repositories" }).click();
    await page.getByRole("button", { name: "New repository" }).first().click();
    await page.getByLabel("Name", { exact: true }).fill("local restic");
    await page.getByLabel("Folder", { exact: true }).fill("relative/repo");
    await page.getByRole("button", { name: "Add repository" }).click();
    assert.equal(
      await fieldError(page, "Folder").textContent(),
      "must be an absolute path (starting with /)",
    );
    const borg = page.locator("label.segmented__item", { hasText: "borg" });
    await borg.click();
    assert.deepEqual(
      await page.locator("fieldset", { hasText: "Where it lives" }).locator("label")
        .allTextContents(),
      ["Folder on the host", "SSH server"],
      "borg offers a folder or SSH",
    );
    await page.locator("label.segmented__item", { hasText: "restic" }).click();
    await page.getByLabel("Folder", { exact: true }).fill(join(work, "repo"));
    await page.getByLabel("From host").selectOption({ label: "web-1" });
    await page.setViewportSize(PHONE);
    await page.getByRole("button", { name: "Add repository" }).click();
    const dialog = page.getByRole("dialog", { name: /Passphrase of/ });
    await dialog.waitFor();
    const passphrase = (await dialog.getByLabel("Repository passphrase").textContent())!;
    assert.ok(passphrase.length >= 20, "a strong passphrase");
    const cont = dialog.getByRole("button", { name: "Continue" });
    assert.equal(await cont.isDisabled(), true, "not before the user says it is stored");
    await page.keyboard.press("Escape");
    assert.equal(await dialog.isVisible(), true, "Escape does not skip it");
    await dialog.getByRole("button", { name: "Copy" }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), passphrase);
    await shots(page, "backups-passphrase-phone");
    await dialog.getByLabel("I stored the passphrase somewhere safe").check();
    await cont.click();

    await page.waitForURL(/\/jobs\/job_/);
    await page.getByRole("heading", { name: "Initialise on web-1", level: 1 }).waitFor();
    assert.match(await page.getByTestId("job-status").textContent() ?? "", /Queued|Sent to host/);
    await page.getByRole("heading", { name: "Details" }).waitFor();
    assert.equal(await page.getByRole("heading", { name: "Progress" }).count(), 0, "not yet");
    await shots(page, "backups-job-waiting-phone");
    await page.setViewportSize(DESKTOP);
    await page.getByRole("button", { name: "Cancel job" }).click();
    // Followed live: the page learns of the cancel from the stream, not from a reload.
    await page.waitForFunction(() =>
      /Cancelled/.test(document.querySelector("[data-testid=job-status]")?.textContent ?? "") ||
      /Cancel requested/.test(document.body.textContent ?? "")
    );
    assert.equal(await page.getByText(passphrase).count(), 0, "the passphrase is gone");

    // The plan editor checks by field with the contract's rules, then shows the commands.
    await page.goto(new URL(`/plans/new?hostId=${host.hostId}`, rig.server.url).href);
    await page.getByRole("heading", { name: "New plan", level: 1 }).waitFor();
    await page.getByLabel("Sources", { exact: true }).fill("/etc\nrelative/path");
    await page.getByLabel("Daily", { exact: true }).fill("seven");
    await page.getByRole("button", { name: "Create plan" }).click();
    await page.getByText("Please correct 3 fields.").waitFor();
    assert.equal(await fieldError(page, "Name").textContent(), "must not be empty");
    assert.equal(
      await fieldError(page, "Sources").textContent(),
      "line 2: must be an absolute path (starting with /)",
    );
    assert.equal(await fieldError(page, "Daily").textContent(), "must be a number");
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute("aria-invalid")),
      "true",
      "focus moves to the first field in error",
    );
    await shots(page, "backups-plan-errors-desktop");
    await page.getByLabel("Name", { exact: true }).fill("nightly");
    await page.getByLabel("Sources", { exact: true }).fill("/etc\n/home");
    await page.getByLabel("Daily", { exact: true }).fill("7");
    await page.getByLabel("Excludes").fill("*.tmp");
    await page.getByLabel("Before the backup").fill("echo dumping-the-database");
    await page.getByRole("button", { name: "Create plan" }).click();
    await page.waitForURL(/\/plans\/pln_/);
    await page.getByRole("heading", { name: "nightly", level: 1 }).waitFor();
    const preview = page.getByTestId("plan-preview");
    await preview.waitFor();
    const commands = await preview.textContent() ?? "";
    assert.match(commands, /restic/);
    assert.match(commands, /\/etc/);
    assert.doesNotMatch(commands, new RegExp(passphrase), "no secret in the preview");
    assert.match(await page.getByTestId("hooks-state").textContent() ?? "", /Before: set/);
    assert.equal(await page.getByText("dumping-the-database").count(), 0, "hooks are not shown");
    await shots(page, "backups-plan-desktop");

    // The host's Plans tab, with run now.
    await page.goto(new URL(`/hosts/${host.hostId}?tab=plans`, rig.server.url).href);
    const planRow = page.locator(`tr[data-plan]`, { hasText: "nightly" });
    await planRow.waitFor();
    await planRow.getByRole("button", { name: "Run now" }).waitFor();
    await page.setViewportSize(PHONE);
    await shots(page, "backups-host-plans-phone");
    await page.setViewportSize(DESKTOP);
    await page.getByRole("button", { name: "Run now…" }).click();
    const panel = page.getByRole("region", { name: "Run now" });
    await panel.getByLabel("Plan", { exact: true }).selectOption({ label: "nightly" });
    await panel.getByLabel("On", { exact: true }).selectOption({ label: "web-1" });
    await panel.getByRole("button", { name: "Run now", exact: true }).click();
    await page.getByRole("heading", { name: "Backup · nightly on web-1", level: 1 }).waitFor();
    assert.match(await page.getByTestId("job-status").textContent() ?? "", /Queued|Sent to host/);

    // The job history filters by kind.
    await page.goto(new URL("/jobs", rig.server.url).href);
    await page.locator("tr[data-job]").first().waitFor();
    await page.getByLabel("Kind").selectOption("init");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForFunction(() => document.querySelectorAll("tr[data-job]").length === 1);
    await page.getByLabel("Kind").selectOption("backup");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForFunction(() =>
      document.querySelector("tr[data-job]")?.textContent?.includes("Backup · nightly")
    );
    await page.getByLabel("Status").selectOption("failed");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("No jobs match these filters.").waitFor();

    await page.goto(new URL("/repositories", rig.server.url).href);
    await page.locator("tr[data-repository]", { hasText: "local restic" }).waitFor();
    await shots(page, "backups-repositories-desktop");

    // A viewer reads, and is offered nothing to change.
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(page, "viewer");
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Repositories" }).waitFor();
    assert.equal(await nav.getByRole("link", { name: "SSH keys" }).count(), 0);
    await nav.getByRole("link", { name: "Repositories" }).click();
    await page.locator("tr[data-repository]").first().waitFor();
    assert.equal(await page.getByRole("button", { name: "New repository" }).count(), 0);
    await page.locator("tr[data-repository] a").first().click();
    await page.getByRole("heading", { name: "Figures" }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Test connection" }).count(), 0);
    assert.equal(await page.getByRole("button", { name: "Edit" }).count(), 0);
    await page.getByRole("link", { name: "nightly" }).click();
    await page.getByRole("heading", { name: "nightly", level: 1 }).waitFor();
    await page.getByTestId("plan-preview").waitFor();
    assert.equal(await page.getByRole("button", { name: "Save plan" }).count(), 0);
    assert.equal(await page.getByRole("button", { name: "Run now" }).count(), 0);
    await nav.getByRole("link", { name: "Jobs" }).click();
    await page.locator("tr[data-job]").first().waitFor();
    assert.equal(await page.getByRole("button", { name: "Run now…" }).count(), 0);
    await page.locator("tr[data-job] a").first().click();
    await page.getByTestId("job-status").waitFor();
    assert.equal(await page.getByRole("button", { name: "Cancel job" }).count(), 0);
    assert.deepEqual(rig.problems, [], "no CSP violations or page errors");
  } finally {
    await rig.close();
    await rm(work, { recursive: true, force: true });
  }
});

/** Reports about one job, as the agent would send them, one batch per call. */
function jobReporter(host: SimAgent, jobId: string) {
  const ulid = createUlidFactory();
  let seq = 1;
  return async (...items: Array<{ kind: string; body: Record<string, unknown> }>) => {
    const { token } = await host.session();
    const reports = items.map((r) => ({ id: ulid(), seq: seq++, jobId, at: Date.now(), ...r }));
    const got = await host.client.postReports(token, reports);
    assert.equal(got.acked.length, reports.length, JSON.stringify(got.refused));
  };
}

Deno.test("the job page follows a job live: progress, log, then the failure in plain words", async () => {
  const rig = await startRig();
  try {
    await createAdmin(rig.server.url);
    const api = await adminApi(rig.server.url);
    const made = await api<CreatedEnrollmentTokenView>("POST", "/api/enrollment-tokens", {
      name: "db-1",
    });
    const host = await simAgent(rig.server.url, { token: made.secret, name: "db-1" });
    const { repository } = await api<{ repository: RepositoryView }>(
      "POST",
      "/api/repositories",
      {
        name: "vault",
        engine: "restic",
        location: { kind: "local", path: "/srv/restic/vault" },
        passphrase: "correct horse battery staple",
      },
    );

    // A check with a read-data subset, started from the repository page.
    const page = await rig.open(`/repositories/${repository.id}`);
    await signIn(page, "admin");
    await page.getByRole("heading", { name: "Maintenance" }).waitFor();
    await shots(page, "backups-repository-desktop");
    await page.getByLabel("Read back (optional)").fill("10%");
    await page.getByRole("button", { name: "Check", exact: true }).click();
    await page.waitForURL(/\/jobs\/job_/);
    const jobId = page.url().split("/").pop()!;
    const job = await api<{ options?: unknown; kind: string }>("GET", `/api/jobs/${jobId}`);
    assert.equal(job.kind, "check");
    await page.getByText("Live", { exact: true }).waitFor();

    const report = jobReporter(host, jobId);
    await report(
      {
        kind: "job.started",
        body: {
          kind: "check",
          command: "restic check --read-data-subset 10%",
          startedAt: Date.now(),
        },
      },
      { kind: "job.log", body: { level: "info", source: "tool", text: "load indexes" } },
      {
        kind: "job.progress",
        body: {
          percent: 42,
          files: 10,
          totalFiles: 40,
          bytes: 4 * 1024 * 1024,
          totalBytes: 10 * 1024 * 1024,
          throughput: 1024 * 1024,
          etaSeconds: 6,
          phase: "reading packs",
        },
      },
    );
    await page.getByTestId("job-percent").getByText("42.0 %").waitFor();
    assert.match(await page.getByTestId("job-status").textContent() ?? "", /Running/);
    await page.getByText("4.0 MB of 10 MB").waitFor();
    await page.getByRole("log").getByText("load indexes").waitFor();
    await page.setViewportSize(PHONE);
    await shots(page, "backups-job-running-phone");
    await page.setViewportSize(DESKTOP);

    const lines = Array.from({ length: 60 }, (_, i) => ({
      kind: "job.log",
      body: { level: i === 59 ? "error" : "info", source: "tool", text: `pack ${i} checked` },
    }));
    await report(...lines);
    await page.getByRole("log").getByText("pack 59 checked").waitFor();
    assert.equal(
      await page.getByRole("log").evaluate((el) =>
        el.scrollHeight - el.scrollTop - el.clientHeight < 30
      ),
      true,
      "the log follows its newest line",
    );
    await report({
      kind: "job.finished",
      body: {
        status: "failed",
        exitCode: 1,
        message: "The repository's passphrase is wrong",
        failureCode: "wrong_password",
        tail: "Fatal: wrong password or no key found",
        durationMs: 1200,
      },
    });
    await page.getByTestId("job-message").getByText("The repository's passphrase is wrong")
      .waitFor();
    assert.match(await page.getByTestId("job-status").textContent() ?? "", /Failed/);
    assert.equal(await page.getByRole("button", { name: "Cancel job" }).count(), 0);
    assert.equal(await page.getByText("Fatal: wrong password").count(), 0, "raw output is hidden");
    await page.getByRole("button", { name: "Show raw output" }).click();
    await page.getByLabel("Raw output").getByText("Fatal: wrong password or no key found")
      .waitFor();
    await shots(page, "backups-job-failed-desktop");

    // Reloaded, the finished job comes back whole from the plain GETs.
    await page.reload();
    await page.getByRole("log").getByText("pack 59 checked").waitFor();
    assert.equal(await page.locator(".job-log__line").count(), 61);
    assert.deepEqual(rig.problems, [], "no CSP violations or page errors");
  } finally {
    await rig.close();
  }
});
