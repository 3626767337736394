/**
 * The schedule editor in Debian's Chromium against a real appliance: a plan's backup schedule
 * made from a preset, refused by field first (the contract's rule in the browser, the
 * appliance's cron check through the preview), its plain words and next runs in the schedule's
 * zone and the viewer's, then saved; the plan paused for 4 hours and until resumed (seen on the
 * plan and in the plan list) and resumed; the host's schedule drift on its overview. The host
 * is a simulated agent that never applies a schedule, so the drift stays. Needs the built PWA.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { PlanView, RepositoryView } from "../../server/contract/backups.ts";
import type { HostScheduleState, ScheduleView } from "../../server/contract/schedules.ts";
import { simAgent } from "../agents/sim.ts";
import { DESKTOP } from "../helpers/browser.ts";
import { testSecret } from "../helpers/log_capture.ts";
import { shots, waitFor } from "./pwa_alerts_helpers.ts";
import { adminApi, createAdmin, signIn, startRig } from "./pwa_helpers.ts";

const PHONE_390 = { width: 390, height: 844 };

const fieldError = (scope: ReturnType<Page["locator"]>, label: string) =>
  scope.locator(".field", { has: scope.page().getByLabel(label, { exact: true }) }).locator(
    ".field__error",
  );

Deno.test("schedules in the browser: a preset checked by field, previewed in two zones, saved; pause and resume; drift", async () => {
  const rig = await startRig();
  const work = await mkdtemp(join(tmpdir(), "cairn-pwa-schedules-"));
  try {
    await createAdmin(rig.server.url);
    const api = await adminApi(rig.server.url);
    const made = await api<{ secret: string }>("POST", "/api/enrollment-tokens", { name: "web-1" });
    const host = await simAgent(rig.server.url, { token: made.secret, name: "web-1" });
    const { repository } = await api<{ repository: RepositoryView }>("POST", "/api/repositories", {
      name: "local restic",
      engine: "restic",
      location: { kind: "local", path: join(work, "repo") },
      passphrase: testSecret("schedules-pass"),
    });
    const { plan } = await api<{ plan: PlanView }>("POST", "/api/plans", {
      name: "nightly",
      repositoryId: repository.id,
      target: { type: "host", hostId: host.hostId },
      sources: ["/etc"],
    });

    const page = await rig.open(`/plans/${plan.id}`);
    await signIn(page, "admin");
    const schedules = page.getByRole("region", { name: "Schedules" });
    await schedules.waitFor();
    assert.equal(await schedules.getByTestId("schedule-backup").textContent(), "Not scheduled");
    await schedules.getByRole("button", { name: "Add backup schedule" }).click();
    const editor = page.getByRole("form", { name: "Backup schedule" });
    await editor.getByLabel("Repeat").selectOption("every");
    await editor.getByLabel("Every … hours").fill("5");
    await editor.getByLabel("Minute past the hour").fill("15");
    await editor.getByLabel("Time zone").fill("Mars/Olympus");
    await editor.getByRole("button", { name: "Save schedule" }).click();
    assert.equal(
      await fieldError(editor, "Every … hours").textContent(),
      "must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24)",
    );
    assert.equal(
      await fieldError(editor, "Time zone").textContent(),
      "must be an IANA time zone such as Europe/Berlin or UTC",
    );
    assert.equal(
      (await api<{ schedules: ScheduleView[] }>("GET", `/api/schedules?planId=${plan.id}`))
        .schedules.length,
      0,
      "nothing was sent",
    );

    // A cron expression the browser cannot judge: the appliance's preview refuses it by field.
    await editor.getByLabel("Time zone").fill("America/New_York");
    await editor.getByLabel("Repeat").selectOption("cron");
    await editor.getByLabel("Cron expression").fill("61 * * * *");
    await fieldError(editor, "Cron expression").waitFor();

    // Every 6 hours in New York: plain words, five runs, each also in the viewer's time.
    await editor.getByLabel("Repeat").selectOption("every");
    await editor.getByLabel("Every … hours").fill("6");
    const preview = editor.getByTestId("schedule-preview");
    await preview.locator(".run-list li").nth(4).waitFor();
    assert.equal(await preview.locator(".run-list li").count(), 5);
    const words = await preview.locator(".schedule-preview__words").textContent() ?? "";
    assert.match(words, /6 hours/);
    const viewer = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    if (viewer !== "America/New_York") {
      assert.match(
        await preview.textContent() ?? "",
        /Next runs \(America\/New_York · your time\)/,
      );
      assert.match(await preview.locator(".run-list li").first().textContent() ?? "", /your time/);
    }
    await editor.getByLabel("Jitter (minutes)").fill("10");
    await shots(page, "schedules-editor-desktop", schedules);
    await page.setViewportSize(PHONE_390);
    await shots(page, "schedules-editor-phone", schedules);
    await page.setViewportSize(DESKTOP);
    await editor.getByRole("button", { name: "Save schedule" }).click();
    await editor.waitFor({ state: "detached" });
    const saved = (await api<{ schedules: ScheduleView[] }>(
      "GET",
      `/api/schedules?planId=${plan.id}`,
    )).schedules;
    assert.equal(saved.length, 1);
    assert.deepEqual(saved[0].rule, { type: "every", hours: 6, minute: 15 });
    assert.equal(saved[0].timeZone, "America/New_York");
    assert.equal(saved[0].jitterMinutes, 10);
    await waitFor(
      "the row to show the saved schedule",
      async () =>
        (await schedules.getByTestId("schedule-backup").textContent()) === saved[0].description,
    );

    // Paused for 4 hours, shown on the plan; resumed.
    await schedules.getByRole("button", { name: "For 4 hours" }).click();
    const badge = schedules.getByTestId("plan-paused");
    await badge.waitFor();
    assert.match(await badge.textContent() ?? "", /^Paused until /);
    await schedules.getByRole("button", { name: "Resume", exact: true }).click();
    await badge.waitFor({ state: "detached" });
    await schedules.getByRole("button", { name: "Until resumed" }).click();
    await badge.waitFor();
    assert.equal(await badge.textContent(), "Paused until resumed");
    await page.goto(new URL("/plans", rig.server.url).href);
    const row = page.locator(`tr[data-plan="${plan.id}"]`);
    await row.getByTestId("plan-paused").waitFor();
    assert.equal(await row.getByTestId("plan-paused").textContent(), "Paused until resumed");
    await api("POST", `/api/plans/${plan.id}/pause`, { for: "resume" });

    // The appliance pushed the host a schedule it never applied: the host page says so.
    const state = await waitFor("a schedule pushed to the host", async () => {
      const { state } = await api<{ state: HostScheduleState }>(
        "GET",
        `/api/hosts/${host.hostId}/schedule-state`,
      );
      return state.pushedVersion > 0 ? state : null;
    });
    await page.goto(new URL(`/hosts/${host.hostId}`, rig.server.url).href);
    const line = page.getByTestId("schedule-state");
    await line.waitFor();
    // The pause and resume above push new versions too: the line names the newest.
    const shown = /^Schedule version (\d+) pushed, host has not applied one yet$/.exec(
      await line.textContent() ?? "",
    );
    assert.ok(shown, "the drift line");
    assert.ok(Number(shown[1]) >= state.pushedVersion);

    // A laptop: judged by staleness only, never alerted as offline.
    // A controlled box: it shows the change once the appliance has it.
    await page.getByLabel("Not always online (a laptop)").click();
    await waitFor("the host marked not always online", async () => {
      const { host: h } = await api<{ host: { alwaysOnline: boolean } }>(
        "GET",
        `/api/hosts/${host.hostId}`,
      );
      return h.alwaysOnline === false;
    });
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLInputElement>("input[type=checkbox]")].some((b) =>
        b.labels?.[0]?.textContent === "Not always online (a laptop)" && b.checked
      )
    );
    assert.deepEqual(rig.problems, []);
  } finally {
    await rig.close();
    await rm(work, { recursive: true, force: true });
  }
});
