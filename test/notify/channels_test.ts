/**
 * Channels against local servers: each web channel sends the request its service documents,
 * email goes through a real SMTP server, refusals become visible failures with a reason and a
 * retry, and no secret reaches an answer, the delivery log or the log.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createTestContext } from "../helpers/app.ts";
import { testSecret } from "../helpers/log_capture.ts";
import { createChannel, notifierFor, opened } from "./fixtures.ts";
import { startReceiver } from "./receivers.ts";
import type { Receiver } from "./receivers.ts";
import { startSmtp } from "./smtp.ts";

const LINK = "https://cairn.example.net/jobs/job_01jtestjob0000000000000000";

function decodeQuotedPrintable(s: string): string {
  const bytes = s.replace(/=\r?\n/g, "").replace(
    /=([0-9A-F]{2})/g,
    (_, h) => String.fromCharCode(parseInt(h, 16)),
  );
  return new TextDecoder().decode(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
}

Deno.test("ntfy, Gotify, Discord, Slack and a webhook each get the request their service documents", async () => {
  const ctx = await createTestContext();
  const rx: Record<string, Receiver> = {};
  for (const k of ["ntfy", "gotify", "discord", "slack", "webhook", "stale"]) {
    rx[k] = startReceiver();
  }
  rx.discord.setStatus(204);
  const s = {
    ntfy: testSecret("ntfy-token"),
    gotify: testSecret("gotify-app"),
    discord: testSecret("discord-hook"),
    slack: testSecret("slack-hook"),
    hmac: testSecret("hmac-key"),
  };
  const notify = notifierFor(ctx);
  try {
    const { admin, operator } = await ctx.signedInClients();
    const ids = {
      ntfy: await createChannel(admin, {
        kind: "ntfy",
        name: "Phone via ntfy",
        config: { server: rx.ntfy.url, topic: "cairn-alerts" },
        secrets: { token: s.ntfy },
      }),
      gotify: await createChannel(admin, {
        kind: "gotify",
        name: "Gotify",
        config: { server: rx.gotify.url },
        secrets: { appToken: s.gotify },
      }),
      discord: await createChannel(admin, {
        kind: "discord",
        name: "Discord",
        secrets: { webhookUrl: `${rx.discord.url}/api/webhooks/123/${s.discord}` },
      }),
      slack: await createChannel(admin, {
        kind: "slack",
        name: "Slack",
        secrets: { webhookUrl: `${rx.slack.url}/services/T0/B0/${s.slack}` },
      }),
      webhook: await createChannel(admin, {
        kind: "webhook",
        name: "Ops webhook",
        config: { url: `${rx.webhook.url}/hooks/cairn` },
        secrets: { hmacSecret: s.hmac },
      }),
    };
    await createChannel(admin, {
      kind: "webhook",
      name: "Only stale backups",
      rules: ["backup_stale"],
      config: { url: rx.stale.url },
    });

    const event = opened();
    assert.equal(await notify.notifier.enqueue(event), 5);
    await notify.worker.drain();

    const ntfy = rx.ntfy.requests[0];
    assert.equal(ntfy.method, "POST");
    assert.equal(ntfy.path, "/");
    assert.equal(ntfy.headers.get("authorization"), `Bearer ${s.ntfy}`);
    assert.deepEqual(JSON.parse(ntfy.body), {
      topic: "cairn-alerts",
      title: "Backup failed on web-1",
      message: "Plan nightly: the repository does not exist (restic exit 1)\n" +
        `Host: web-1 · Plan: nightly\nOpen in Cairn: ${LINK}`,
      priority: 5,
      tags: ["rotating_light"],
      click: LINK,
    });

    const gotify = rx.gotify.requests[0];
    assert.equal(gotify.path, "/message");
    assert.equal(gotify.query.get("token"), null);
    assert.equal(gotify.headers.get("x-gotify-key"), s.gotify);
    const g = JSON.parse(gotify.body);
    assert.equal(g.title, "Backup failed on web-1");
    assert.match(g.message, /Host: web-1 · Plan: nightly/);
    assert.equal(g.priority, 8);
    assert.deepEqual(g.extras["client::notification"], { click: { url: LINK } });

    const discord = rx.discord.requests[0];
    assert.equal(discord.path, `/api/webhooks/123/${s.discord}`);
    const d = JSON.parse(discord.body);
    assert.equal(d.content, "Backup failed on web-1");
    assert.deepEqual(d.allowed_mentions, { parse: [] });
    assert.equal(d.embeds[0].title, "Backup failed on web-1");
    assert.equal(d.embeds[0].description, event.alert.message);
    assert.equal(d.embeds[0].url, LINK);
    assert.deepEqual(d.embeds[0].fields.map((f: { name: string; value: string }) => f.value), [
      "web-1",
      "nightly",
    ]);

    const slack = JSON.parse(rx.slack.requests[0].body);
    assert.equal(rx.slack.requests[0].path, `/services/T0/B0/${s.slack}`);
    assert.equal(slack.text, `Backup failed on web-1: ${event.alert.message}`);
    assert.equal(slack.blocks[0].type, "section");
    assert.match(slack.blocks[1].elements[0].text, /\*Host:\* web-1 .*\*Plan:\* nightly/);
    assert.equal(slack.blocks[2].text.text, `<${LINK}|Open in Cairn>`);

    const hook = rx.webhook.requests[0];
    assert.equal(hook.path, "/hooks/cairn");
    const expected = "sha256=" + createHmac("sha256", s.hmac).update(hook.body).digest("hex");
    assert.equal(hook.headers.get("x-cairn-signature"), expected);
    assert.equal(hook.headers.get("x-cairn-event"), "opened");
    const w = JSON.parse(hook.body);
    assert.equal(w.event, "opened");
    assert.deepEqual(w.alert, event.alert);

    assert.equal(rx.stale.requests.length, 0, "a channel for other rules hears nothing");

    const list = await operator.json<{ channels: Array<Record<string, unknown>> }>(
      "GET",
      "/api/channels",
    );
    const gotifyView = list.body.channels.find((c) => c.id === ids.gotify)!;
    assert.deepEqual(gotifyView.secretsSet, { appToken: true });
    assert.equal((gotifyView.lastDelivery as { state: string }).state, "sent");
    const log = await operator.json<{ deliveries: Array<Record<string, unknown>> }>(
      "GET",
      `/api/channels/${ids.discord}/deliveries`,
    );
    assert.equal(log.body.deliveries.length, 1);
    assert.equal(log.body.deliveries[0].state, "sent");
    assert.equal(log.body.deliveries[0].lastStatus, 204);
    assert.equal(log.body.deliveries[0].alertId, event.alert.id);
    const everything = JSON.stringify(list.body) + JSON.stringify(log.body) +
      ctx.logLines.join("\n");
    for (const secret of Object.values(s)) assert.equal(everything.includes(secret), false);
  } finally {
    await notify.stop();
    for (const r of Object.values(rx)) await r.close();
    await ctx.close();
  }
});

Deno.test("email goes to a real SMTP server with host, plan and cause; the test button answers how it went", async () => {
  const ctx = await createTestContext();
  const password = testSecret("smtp-pass");
  const smtp = await startSmtp({ login: { user: "cairn", pass: password } });
  const notify = notifierFor(ctx);
  try {
    const { admin } = await ctx.signedInClients();
    const id = await createChannel(admin, {
      kind: "smtp",
      name: "Ops mail",
      config: {
        host: "127.0.0.1",
        port: smtp.port,
        secure: "none",
        from: "cairn@backup.example.org",
        to: ["ops@example.org", "oncall@example.org"],
      },
      secrets: { username: "cairn", password },
    });
    await notify.notifier.enqueue(opened());
    await notify.worker.drain();
    assert.equal(smtp.mails.length, 1);
    const mail = smtp.mails[0];
    assert.equal(mail.user, "cairn");
    assert.equal(mail.from, "cairn@backup.example.org");
    assert.deepEqual(mail.to, ["ops@example.org", "oncall@example.org"]);
    assert.match(mail.raw, /^Subject: \[Cairn\] Backup failed on web-1\r?$/m);
    const text = decodeQuotedPrintable(mail.raw.split(/\r?\n\r?\n/).slice(1).join("\n\n"));
    assert.match(text, /the repository does not exist/);
    assert.match(text, /Host: web-1 · Plan: nightly/);
    assert.match(text, new RegExp(`Open in Cairn: ${LINK}`));

    const test = await admin.json<{ deliveries: Array<{ state: string; lastStatus: number }> }>(
      "POST",
      `/api/channels/${id}/test`,
    );
    assert.equal(test.status, 200);
    assert.equal(test.body.deliveries[0].state, "sent");
    assert.equal(test.body.deliveries[0].lastStatus, 250);
    assert.match(smtp.mails[1].raw, /^Subject: \[Cairn\] Cairn test notification\r?$/m);
  } finally {
    await notify.stop();
    await smtp.close();
    await ctx.close();
  }
});

Deno.test("an SMTP server that refuses for good (535, 550) gives up at once with the reason; one that refuses for now (450) is retried with backoff", async () => {
  const ctx = await createTestContext();
  const password = testSecret("wrong-smtp-pass");
  const badLogin = await startSmtp({ login: { user: "cairn", pass: "the-right-one" } });
  const refuses = await startSmtp({ refuseRecipients: true });
  const greylists = await startSmtp({ refuseRecipients: "for now" });
  const notify = notifierFor(ctx);
  try {
    const { admin } = await ctx.signedInClients();
    const config = (port: number) => ({
      host: "127.0.0.1",
      port,
      secure: "none",
      from: "cairn@backup.example.org",
      to: ["ops@example.org"],
    });
    const loginId = await createChannel(admin, {
      kind: "smtp",
      name: "Wrong password",
      config: config(badLogin.port),
      secrets: { username: "cairn", password },
    });
    const rcptId = await createChannel(admin, {
      kind: "smtp",
      name: "Refused recipient",
      config: config(refuses.port),
    });
    const greyId = await createChannel(admin, {
      kind: "smtp",
      name: "Greylisting",
      config: config(greylists.port),
    });
    const t0 = ctx.clock.now();
    await notify.notifier.enqueue(opened());
    await notify.worker.drain();
    // Through the service: the clock moves hours ahead, past any session's life.
    const last = async (id: string) => (await notify.listDeliveries(id, 1))[0];
    const login = await last(loginId);
    assert.equal(login.state, "gave_up", "a wrong password stays wrong: no retry");
    assert.equal(login.attempts, 1);
    assert.equal(login.nextAttemptAt, null);
    assert.equal(login.lastStatus, 535);
    assert.match(login.lastReason ?? "", /refused the login/);
    const rcpt = await last(rcptId);
    assert.equal(rcpt.state, "gave_up");
    assert.equal(rcpt.lastStatus, 550);
    assert.match(rcpt.lastReason ?? "", /refused a recipient/);
    const grey = await last(greyId);
    assert.equal(grey.state, "failed");
    assert.equal(grey.lastStatus, 450);
    assert.match(grey.lastReason ?? "", /refused a recipient: .*Greylisted/);
    assert.equal(grey.nextAttemptAt, new Date(t0 + 30_000).toISOString());

    // Nothing is due before its time; then the waits grow: 2 min, 10 min, 1 h, then give up.
    ctx.clock.advance(29_000);
    await notify.worker.drain();
    assert.equal((await last(greyId)).attempts, 1);
    for (const [wait, attempts] of [[1_000, 2], [120_000, 3], [600_000, 4], [3_600_000, 5]]) {
      ctx.clock.advance(wait);
      await notify.worker.drain();
      assert.equal((await last(greyId)).attempts, attempts);
    }
    const gaveUp = await last(greyId);
    assert.equal(gaveUp.state, "gave_up");
    assert.equal(gaveUp.nextAttemptAt, null);
    assert.equal((await last(loginId)).attempts, 1, "the refused login was never tried again");
    const view = await notify.getChannel(loginId);
    assert.equal(view.lastDelivery?.state, "gave_up");
    assert.equal(JSON.stringify(view).includes(password), false);
    assert.equal(ctx.logLines.join("\n").includes(password), false);
  } finally {
    await notify.stop();
    await badLogin.close();
    await refuses.close();
    await greylists.close();
    await ctx.close();
  }
});
