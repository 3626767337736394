/**
 * Email over TLS against a local SMTP server with a certificate from a throwaway CA, as a mail
 * server on a LAN has: TLS from the start ("tls") and the STARTTLS upgrade ("starttls") deliver
 * encrypted once the channel trusts that CA, and fail with a reason (nothing sent) while it does
 * not: the certificate is always verified. A "starttls" channel never falls back to plain text.
 */
import assert from "node:assert/strict";
import { createCa, issueServerCert } from "../../server/tls/issue.ts";
import { permittedFor } from "../../server/tls/constraints.ts";
import { createTestContext } from "../helpers/app.ts";
import { testSecret } from "../helpers/log_capture.ts";
import { notifierFor, opened } from "./fixtures.ts";
import { startSmtp } from "./smtp.ts";

async function mailCertificates() {
  const now = new Date();
  const names = { dns: ["localhost"], ips: ["127.0.0.1"] };
  const ca = await createCa({ commonName: "Office mail CA", permitted: permittedFor(names), now });
  const leaf = await issueServerCert({ ca, commonName: "127.0.0.1", names, now });
  return { caPem: ca.certPem, cert: leaf.certPem, key: leaf.keyPem };
}

Deno.test("SMTP with tls and starttls: delivered encrypted when the channel trusts the server's CA, refused with a reason when not", async () => {
  const ctx = await createTestContext();
  const certs = await mailCertificates();
  const password = testSecret("smtp-tls-pass");
  const login = { user: "cairn", pass: password };
  const tls = await startSmtp({ login, tls: { mode: "tls", ...certs } });
  const starttls = await startSmtp({ login, tls: { mode: "starttls", ...certs } });
  const plainOnly = await startSmtp({ login });
  const notify = notifierFor(ctx);
  try {
    const { admin } = await ctx.signedInClients();
    const channel = async (name: string, secure: string, port: number, ca?: string) => {
      const r = await admin.json<{ channel: { id: string; config: { ca?: string } } }>(
        "POST",
        "/api/channels",
        {
          body: {
            kind: "smtp",
            name,
            config: {
              host: "127.0.0.1",
              port,
              secure,
              from: "cairn@backup.example.org",
              to: ["ops@example.org"],
              ...(ca ? { ca } : {}),
            },
            secrets: { username: "cairn", password },
          },
        },
      );
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.channel;
    };
    const tlsOk = await channel("TLS, CA trusted", "tls", tls.port, certs.caPem);
    assert.equal(tlsOk.config.ca, certs.caPem, "the certificate is not secret: shown again");
    const starttlsOk = await channel(
      "STARTTLS, CA trusted",
      "starttls",
      starttls.port,
      certs.caPem,
    );
    const tlsUntrusted = await channel("TLS, CA unknown", "tls", tls.port);
    const starttlsUntrusted = await channel("STARTTLS, CA unknown", "starttls", starttls.port);
    const noUpgrade = await channel("STARTTLS, not offered", "starttls", plainOnly.port);

    await notify.notifier.enqueue(opened());
    await notify.worker.drain();
    const last = async (id: string) => (await notify.listDeliveries(id, 1))[0];

    for (const c of [tlsOk, starttlsOk]) assert.equal((await last(c.id)).state, "sent", c.id);
    assert.equal(tls.mails.length, 1);
    assert.equal(tls.mails[0].secure, true);
    assert.equal(tls.mails[0].user, "cairn");
    assert.equal(starttls.mails.length, 1);
    assert.equal(starttls.mails[0].secure, true, "upgraded before the login and the message");

    for (const c of [tlsUntrusted, starttlsUntrusted]) {
      const d = await last(c.id);
      assert.equal(d.state, "failed", "a certificate may be fixed: retried");
      assert.equal(d.lastStatus, null);
      assert.equal(
        d.lastReason,
        "The mail server's certificate is not trusted (set the certificate to trust)",
      );
    }
    const refused = await last(noUpgrade.id);
    assert.equal(refused.state, "gave_up", "the server will not start offering it by itself");
    assert.equal(
      refused.lastReason,
      "The mail server does not offer STARTTLS (choose tls or none)",
    );
    assert.equal(plainOnly.mails.length, 0, "never sent in plain text instead");
    assert.equal(tls.mails.length + starttls.mails.length, 2, "nothing went over untrusted TLS");

    // Trusting the CA afterwards: the test button gets through.
    const patched = await admin.json("PATCH", `/api/channels/${tlsUntrusted.id}`, {
      body: {
        config: {
          host: "127.0.0.1",
          port: tls.port,
          secure: "tls",
          from: "cairn@backup.example.org",
          to: ["ops@example.org"],
          ca: certs.caPem,
        },
      },
    });
    assert.equal(patched.status, 200);
    const test = await admin.json<{ deliveries: Array<{ state: string }> }>(
      "POST",
      `/api/channels/${tlsUntrusted.id}/test`,
    );
    assert.equal(test.body.deliveries[0].state, "sent");
    assert.equal(tls.mails.length, 2);
    assert.equal(ctx.logLines.join("\n").includes(password), false);
  } finally {
    await notify.stop();
    for (const s of [tls, starttls, plainOnly]) await s.close();
    await ctx.close();
  }
});

Deno.test("a certificate to trust that is not one is a 400 naming config.ca, without echo, nothing written", async () => {
  const ctx = await createTestContext();
  try {
    const { admin } = await ctx.signedInClients();
    const bad = [
      "not a certificate at all",
      "-----BEGIN CERTIFICATE-----\nQUJDRA==\n-----END CERTIFICATE-----\n",
      "-----BEGIN PRIVATE KEY-----\nQUJDRA==\n-----END PRIVATE KEY-----\n",
    ];
    for (const ca of bad) {
      const r = await admin.json<{ error: { message: string } }>("POST", "/api/channels", {
        body: {
          kind: "smtp",
          name: "Mail",
          config: {
            host: "mail.example.org",
            port: 465,
            secure: "tls",
            from: "cairn@example.org",
            to: ["ops@example.org"],
            ca,
          },
        },
      });
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /config\.ca/);
      assert.equal(JSON.stringify(r.body).includes("QUJDRA"), false);
    }
    const list = await admin.json<{ channels: unknown[] }>("GET", "/api/channels");
    assert.equal(list.body.channels.length, 0);
  } finally {
    await ctx.close();
  }
});
