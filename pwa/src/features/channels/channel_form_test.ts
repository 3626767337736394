import assert from "node:assert/strict";
import type { ChannelView } from "../../../../server/contract/notify.ts";
import {
  channelFormFrom,
  checkCreate,
  checkUpdate,
  emptyChannelForm,
  serverFieldErrors,
} from "./channel_form.ts";

Deno.test("an ntfy channel becomes its create body, the token kept apart as a secret", () => {
  const f = emptyChannelForm("ntfy");
  f.name = " phones ";
  f.values.topic = "cairn-alerts";
  f.values.token = "tk_abc";
  f.values.priority = "4";
  const r = checkCreate(f);
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.name, "phones");
  assert.deepEqual(r.value.config, {
    server: "https://ntfy.sh",
    topic: "cairn-alerts",
    priority: 4,
  });
  assert.deepEqual(r.value.secrets, { token: "tk_abc" });
  assert.deepEqual(r.value.severities, ["critical", "warning"]);
});

Deno.test("bad fields are refused by field: a URL that is not http(s), a missing webhook URL", () => {
  const hook = emptyChannelForm("webhook");
  hook.name = "ops";
  hook.values.url = "file:///etc/passwd";
  const r = checkCreate(hook);
  assert.ok(!r.ok);
  assert.equal(r.errors.url, "must be an http:// or https:// URL");

  const discord = emptyChannelForm("discord");
  discord.name = "team";
  const d = checkCreate(discord);
  assert.ok(!d.ok);
  assert.equal(d.errors.webhookUrl, "must set webhookUrl");

  const mail = emptyChannelForm("smtp");
  mail.name = "mail";
  mail.values.host = "mail.example.com";
  mail.values.from = "not-an-address";
  mail.values.to = "ops@example.com\n\nboss@example.com";
  mail.values.port = "seven";
  const m = checkCreate(mail);
  assert.ok(!m.ok);
  assert.equal(m.errors.from, "must be an email address");
  assert.equal(m.errors.port, "must be a number");
  assert.equal(m.errors.to, undefined, "both recipients pass");
});

Deno.test("an edit sends the whole config and only the secrets typed anew", () => {
  const saved = {
    id: "chn_1",
    kind: "gotify",
    name: "home",
    enabled: true,
    rules: ["job_failed"],
    severities: ["critical"],
    events: ["opened"],
    config: { server: "https://gotify.example.com", priority: 8 },
    secretsSet: { appToken: true },
  } as unknown as ChannelView;
  const f = channelFormFrom(saved);
  assert.equal(f.values.appToken, "", "a secret is never filled back in");
  assert.equal(f.values.priority, "8");
  const keep = checkUpdate(f);
  assert.ok(keep.ok, JSON.stringify(keep));
  assert.equal(keep.value.secrets, undefined, "an empty secret field keeps the stored one");
  assert.deepEqual(keep.value.config, saved.config);

  const bad = checkUpdate({
    ...f,
    values: { ...f.values, server: "gotify.local", appToken: "new" },
  });
  assert.ok(!bad.ok);
  assert.equal(bad.errors.server, "must be an http:// or https:// URL");

  const replaced = checkUpdate({ ...f, values: { ...f.values, appToken: " new-token " } });
  assert.ok(replaced.ok);
  assert.deepEqual(replaced.value.secrets, { appToken: "new-token" });
});

Deno.test("the appliance's 400 lands on the field it names", () => {
  assert.deepEqual(
    serverFieldErrors("smtp", {
      problems: [
        { field: "config.port", problem: "must be at most 65535" },
        { field: "secrets.password", problem: "must not be empty" },
        { field: "name", problem: "must not be empty" },
      ],
    }),
    { port: "must be at most 65535", password: "must not be empty", name: "must not be empty" },
  );
});
