/**
 * The hosts screens in Debian's Chromium against a real appliance and a real agent: a host asks
 * to join and appears as pending with its phrase and a badge count; the admin approves it; it
 * shows online. "Add host" shows a one-time install command with its QR code. Needs the built
 * PWA (`node scripts/build.mjs`; `npm test` builds it).
 */
import assert from "node:assert/strict";
import { createAdmin, screenshot, signIn, startRig } from "../e2e/pwa_helpers.ts";
import { agentCommand, removeDirs, spawnAgent, tempDir } from "./procs.ts";

Deno.test("e2e: a pending host appears with its phrase, the admin approves it, and it shows online", async () => {
  const rig = await startRig();
  const stateDir = await tempDir("cairn-agent-");
  let agent: ReturnType<typeof spawnAgent> | null = null;
  try {
    await createAdmin(rig.server.url);
    const enrolled = await agentCommand(["enroll", "--server", rig.server.url, "--json"], {
      stateDir,
    });
    assert.equal(enrolled.code, 0, enrolled.out);
    const { phrase } = JSON.parse(enrolled.out.split("\n").find((l) => l.startsWith("{"))!);
    agent = spawnAgent(["run"], { stateDir });

    const page = await rig.open("/hosts");
    await signIn(page, "admin");
    await page.getByRole("heading", { name: "Hosts", level: 1 }).waitFor();
    await page.getByRole("heading", { name: /Waiting for approval/ }).waitFor();
    assert.equal(await page.getByTestId("pending-count").textContent(), "1");
    await page.getByText(phrase, { exact: true }).waitFor();
    await screenshot(page, "hosts-pending");
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await page.getByText(/approved/).first().waitFor();
    const row = page.locator("tr[data-host]");
    await row.getByText("Online").waitFor({ timeout: 20_000 });
    assert.equal(await page.getByTestId("pending-count").count(), 0, "nothing waits any more");
    await screenshot(page, "hosts-online");

    await row.getByRole("link").click();
    await page.getByRole("heading", { name: "Enrollment history" }).waitFor();
    await page.getByText(/Approved, by admin/).waitFor();
    await page.getByText(phrase, { exact: true }).waitFor();

    await page.goto(new URL("/hosts", rig.server.url).href);
    await page.getByRole("button", { name: "Add host" }).first().click();
    await page.getByLabel("Name (optional)").fill("web-2");
    await page.getByRole("button", { name: "Make install command" }).click();
    const command = await page.locator('code[aria-label="Install command"]').textContent();
    assert.match(
      command ?? "",
      /^curl -fsSL '.+\/install\/agent\.sh' \| sudo sh -s -- --server .+ --token 'cet_/,
    );
    assert.equal(await page.locator("svg.qr").count(), 1, "with a QR code");
    await screenshot(page, "hosts-add-host");
    assert.deepEqual(rig.problems, [], "no CSP violations or page errors");
  } finally {
    await agent?.kill("SIGKILL");
    await rig.close();
    await removeDirs(stateDir);
  }
});
