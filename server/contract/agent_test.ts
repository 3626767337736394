import assert from "node:assert/strict";
import * as v from "valibot";
import {
  CommandPollQuerySchema,
  HostFactsSchema,
  ReportBatchSchema,
  reportClass,
  ReportSchema,
} from "./agent.ts";
import { ApproveHostSchema, isIpOrCidr } from "./hosts.ts";

const facts = {
  hostname: "h",
  os: "Debian",
  platform: "linux",
  arch: "x64",
  kernel: "6.1",
  agentVersion: "0.1.0",
  runtime: "deno",
  borgVersion: null,
  resticVersion: "0.14.0",
  addresses: [],
};

Deno.test("host facts: known fields checked, unknown ones from newer agents dropped, sizes bounded", () => {
  assert.ok(v.is(HostFactsSchema, facts));
  const newer = v.parse(HostFactsSchema, { ...facts, gpu: "none" });
  assert.ok(!("gpu" in newer));
  assert.ok(!v.is(HostFactsSchema, { ...facts, hostname: "" }));
  assert.ok(!v.is(HostFactsSchema, { ...facts, os: "x".repeat(201) }));
  assert.ok(!v.is(HostFactsSchema, { ...facts, addresses: Array(65).fill("10.0.0.1") }));
  assert.ok(!v.is(HostFactsSchema, { ...facts, borgVersion: 12 }));
});

Deno.test("reports: ULID ids, job ids and kinds are checked; a batch needs readable ids and at most 500", () => {
  const r = {
    id: "01HZX3J5K6M7N8P9QRSTVWXYZ0",
    seq: 1,
    kind: "event",
    jobId: null,
    at: 1,
    body: {},
  };
  assert.ok(v.is(ReportSchema, r));
  assert.ok(
    !v.is(ReportSchema, { ...r, id: "01hzx3j5k6m7n8p9qrstvwxyz0" }),
    "lower case is not a ULID",
  );
  assert.ok(
    !v.is(ReportSchema, { ...r, id: "01HZX3J5K6M7N8P9QRSTVWXYZU" }),
    "U is not Crockford base32",
  );
  assert.ok(!v.is(ReportSchema, { ...r, kind: "Bad Kind" }));
  assert.ok(!v.is(ReportSchema, { ...r, jobId: "a b" }));
  assert.ok(!v.is(ReportSchema, { ...r, body: [] }));
  assert.ok(v.is(ReportBatchSchema, { reports: [{ id: r.id, anything: 1 }] }));
  assert.ok(!v.is(ReportBatchSchema, { reports: [] }));
  assert.ok(!v.is(ReportBatchSchema, { reports: [{ id: "x" }] }));
  assert.ok(!v.is(ReportBatchSchema, { reports: Array(501).fill({ id: r.id }) }));
});

Deno.test("the outbox class of a kind: progress keeps the latest, logs are capped, the rest is kept", () => {
  assert.equal(reportClass("job.progress"), "latest");
  assert.equal(reportClass("job.log"), "capped");
  assert.equal(reportClass("log"), "capped");
  for (const k of ["job.finished", "snapshots", "event", "alert", "command.ack", "log.dropped"]) {
    assert.equal(reportClass(k), "keep", k);
  }
});

Deno.test("long-poll wait is 0 to 30 seconds, 25 by default", () => {
  assert.equal(v.parse(CommandPollQuerySchema, {}).wait, 25);
  assert.equal(v.parse(CommandPollQuerySchema, { wait: "0" }).wait, 0);
  assert.ok(!v.is(CommandPollQuerySchema, { wait: "31" }));
  assert.ok(!v.is(CommandPollQuerySchema, { wait: "-1" }));
});

Deno.test("IP lock values: addresses and CIDRs of both families, nothing else", () => {
  for (
    const ok of ["192.168.1.20", "10.0.0.0/8", "0.0.0.0/0", "::1", "fd00::/64", "2001:db8::1/128"]
  ) {
    assert.ok(isIpOrCidr(ok), ok);
  }
  for (
    const bad of ["256.1.1.1", "10.0.0.0/33", "fd00::/129", "host.lan", "1.2.3", "10.0.0.0/8/8", ""]
  ) {
    assert.ok(!isIpOrCidr(bad), bad);
  }
  assert.ok(!v.is(ApproveHostSchema, { lockIp: "nope" }));
  assert.ok(v.is(ApproveHostSchema, { lockIp: null, tags: ["a"] }));
  assert.ok(!v.is(ApproveHostSchema, { tags: ["has space"] }));
});
