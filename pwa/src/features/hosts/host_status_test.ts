import assert from "node:assert/strict";
import { grouped, lockCandidate, STATUS, toolsLine } from "./host_status.ts";

Deno.test("host status words and dots cover every status", () => {
  for (const s of ["online", "degraded", "offline", "pending", "rejected", "revoked"] as const) {
    assert.ok(STATUS[s].label.length > 0);
    assert.match(STATUS[s].dot, /^dot/);
  }
  assert.equal(STATUS.online.dot, "dot dot--good");
});

Deno.test("fingerprint groups, tool line and lock address", () => {
  assert.equal(grouped("0123456789abcdef"), "0123 4567 89ab cdef");
  assert.equal(toolsLine({ borgVersion: "1.2.4", resticVersion: null }), "borg 1.2.4");
  assert.equal(toolsLine({ borgVersion: null, resticVersion: null }), "no backup tool found");
  assert.equal(lockCandidate({ lastIp: null, enrolledIp: "10.0.0.5" }), "10.0.0.5");
  assert.equal(lockCandidate({ lastIp: "10.0.0.6", enrolledIp: "10.0.0.5" }), "10.0.0.6");
});
