/**
 * The drill schedule editor in Debian's Chromium on a 390×844 phone against a real appliance:
 * on a host's "last verified restore" card, a schedule refused by field first (the contract's
 * rules in the browser), then made from a preset with its next runs, another host chosen to do
 * the restore, saved, and switched off. A second host's every-minute schedule is fired by the
 * appliance's real ticker and, with no snapshot to drill, shows why it did not run. Needs the
 * built PWA.
 */
import assert from "node:assert/strict";
import type { DrillScheduleView } from "../../server/contract/drills.ts";
import { simAgent } from "../agents/sim.ts";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { waitFor } from "../e2e/pwa_alerts_helpers.ts";
import { adminApi, createAdmin, SCREENSHOTS, signIn, startRig } from "../e2e/pwa_helpers.ts";

const PHONE_390 = { width: 390, height: 844 };

/** A picture to look at (test-results/screenshots), light then dark. */
async function shots(page: Page, name: string, part?: Locator) {
  await mkdir(SCREENSHOTS, { recursive: true });
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const path = join(SCREENSHOTS, `${name}-${scheme}.png`);
    if (part) await part.screenshot({ path });
    else await page.screenshot({ path, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: "light" });
}

Deno.test("drill schedule in the browser: checked by field, saved with next runs, turned off; a skipped run says why", async () => {
  // CAIRN_PWA_DIR: a build of the PWA other than pwa/dist (a build made while others test).
  const pwaDir = Deno.env.get("CAIRN_PWA_DIR");
  const rig = await startRig({
    env: { CAIRN_DRILL_TICK_MS: "500", ...(pwaDir ? { CAIRN_PWA_DIR: pwaDir } : {}) },
  });
  try {
    await createAdmin(rig.server.url);
    const api = await adminApi(rig.server.url);
    const hosts = [];
    for (const name of ["web-1", "web-2"]) {
      const made = await api<{ secret: string }>("POST", "/api/enrollment-tokens", { name });
      hosts.push(await simAgent(rig.server.url, { token: made.secret, name }));
    }
    const [web1, web2] = hosts;
    await api("POST", "/api/drill-schedules", {
      hostId: web2.hostId,
      rule: { type: "cron", expression: "* * * * *" },
      timeZone: "UTC",
    });

    const page = await rig.open(`/hosts/${web1.hostId}`, PHONE_390);
    await signIn(page, "admin");
    const card = page.getByRole("region", { name: "Last verified restore" });
    await card.waitFor();
    assert.equal(await card.getByTestId("drill-schedule").textContent(), "Not scheduled");
    await card.getByRole("button", { name: "Schedule drills" }).click();
    const editor = page.getByRole("form", { name: "Drill schedule" });
    await editor.getByLabel("Repeat").selectOption("daily");
    await editor.getByLabel("At (HH:MM)").fill("25:00");
    await editor.getByLabel("Files per drill").fill("0");
    await editor.getByRole("button", { name: "Save drill schedule" }).click();
    const errors = editor.locator(".field__error");
    await errors.first().waitFor();
    const shown = (await errors.allTextContents()).join(" | ");
    assert.match(shown, /HH:MM/, shown);
    assert.match(shown, /at least 1/, shown);
    assert.deepEqual(await api("GET", `/api/drill-schedules?hostId=${web1.hostId}`), {
      schedules: [],
    });

    await editor.getByLabel("At (HH:MM)").fill("03:15");
    await editor.getByLabel("Files per drill").fill("12");
    await editor.getByLabel("Time zone").selectOption("UTC");
    await editor.getByLabel("Restore on").selectOption({ label: "web-2" });
    const preview = editor.getByTestId("schedule-preview");
    await preview.getByText("Every day at 03:15 (UTC)").waitFor();
    assert.equal(await preview.locator(".run-list li").count(), 5);
    await shots(page, "drill-schedule-editor-phone");
    await editor.getByRole("button", { name: "Save drill schedule" }).click();
    await card.getByTestId("drill-schedule").getByText("Every day at 03:15 (UTC)").waitFor();
    await card.getByText(/12 files, restored on web-2 · next /).waitFor();
    const saved = await api<{ schedules: DrillScheduleView[] }>(
      "GET",
      `/api/drill-schedules?hostId=${web1.hostId}`,
    );
    assert.equal(saved.schedules.length, 1);
    assert.equal(saved.schedules[0].targetHostId, web2.hostId);
    assert.equal(saved.schedules[0].sampleSize, 12);
    assert.deepEqual(saved.schedules[0].rule, { type: "daily", at: "03:15" });

    await card.getByRole("button", { name: "Edit drill schedule" }).click();
    await editor.getByLabel("Enabled").uncheck();
    await editor.getByRole("button", { name: "Save drill schedule" }).click();
    await card.getByTestId("drill-schedule").locator(".badge", { hasText: "off" }).waitFor();
    await shots(page, "drill-schedule-card-phone", card);

    // web-2's schedule runs every minute; with no snapshot, the ticker records why.
    await waitFor("web-2's first scheduled attempt", async () => {
      const r = await api<{ schedules: DrillScheduleView[] }>(
        "GET",
        `/api/drill-schedules?hostId=${web2.hostId}`,
      );
      return r.schedules[0].lastSkipReason;
    }, 75_000);
    await page.goto(new URL(`/hosts/${web2.hostId}`, rig.server.url).href);
    const card2 = page.getByRole("region", { name: "Last verified restore" });
    await card2.getByText(/did not run: web-2: /).waitFor();
    await shots(page, "drill-schedule-skipped-phone", card2);
    assert.deepEqual(rig.problems, []);
  } finally {
    await rig.close();
  }
});
