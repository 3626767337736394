import assert from "node:assert/strict";
import type { PlanView } from "../../../../server/contract/backups.ts";
import {
  checkPlan,
  emptyPlanForm,
  planBody,
  planFormFrom,
  serverFieldErrors,
} from "./plan_form.ts";

const REPO = "rep_01jabcdefghjkmnpqrstvwxyz0";
const HOST = "hst_01jabcdefghjkmnpqrstvwxyz0";
const ctx = { engine: "restic" as const, isAdmin: true, editing: null };

Deno.test("a filled-in form passes the contract and becomes the create body", () => {
  const f = {
    ...emptyPlanForm({ repositoryId: REPO, hostId: HOST }),
    name: " nightly ",
    sources: "/etc\n\n  /home  \n",
    excludes: "*.tmp",
    tags: "web, prod",
    uploadKiB: "512",
    hooksPre: "pg_dump app > /var/backups/app.sql",
  };
  const r = checkPlan(planBody(f, ctx), false);
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.name, "nightly");
  assert.deepEqual(r.value.sources, ["/etc", "/home"]);
  assert.deepEqual(r.value.tags, ["web", "prod"]);
  assert.deepEqual(r.value.limits, { uploadKiB: 512 });
  assert.deepEqual(r.value.retention, { daily: 7, weekly: 4, monthly: 6 });
  assert.deepEqual(r.value.hooks, { pre: "pg_dump app > /var/backups/app.sql" });
  assert.equal("compression" in r.value, false, "restic plans carry no compression");
});

Deno.test("the contract's problems land on their fields, array entries by line", () => {
  const f = {
    ...emptyPlanForm({ repositoryId: REPO }),
    sources: "/etc\nrelative/path",
    retention: { ...emptyPlanForm().retention, daily: "seven", within: "7 days" },
    uploadKiB: "0",
    tags: "bad tag!",
  };
  const r = checkPlan(planBody(f, { ...ctx, engine: "borg" }), false);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.errors.name, "must not be empty");
  assert.equal(r.errors.target, "must be an id");
  assert.equal(r.errors.sources, "line 2: must be an absolute path (starting with /)");
  assert.equal(r.errors["retention.daily"], "must be a number");
  assert.equal(r.errors["retention.within"], "must look like 7d");
  assert.match(r.errors["limits.uploadKiB"], /./);
  assert.match(r.errors.tags, /^tag 2: may hold up to 32 letters/);
  assert.equal(r.errors.compression, undefined, "empty compression is null: borg's default");
});

Deno.test("hooks: kept unless an admin replaces them; removed when replaced with nothing", () => {
  const plan = {
    id: "pln_01jabcdefghjkmnpqrstvwxyz0",
    name: "n",
    repositoryId: REPO,
    repositoryName: "r",
    engine: "restic",
    target: { type: "host", hostId: HOST },
    hosts: [],
    sources: ["/etc"],
    excludes: [],
    excludeIfPresent: [],
    oneFileSystem: false,
    compression: null,
    tags: [],
    limits: {},
    retention: { daily: 3 },
    hooks: { pre: true, post: false },
    enabled: true,
    lastJob: null,
    createdAt: "",
    updatedAt: "",
  } satisfies PlanView;
  const f = planFormFrom(plan);
  const editing = { ...ctx, editing: plan };
  assert.equal("hooks" in planBody(f, editing), false);
  assert.equal(planBody({ ...f, replaceHooks: true }, editing).hooks, null);
  assert.deepEqual(planBody({ ...f, replaceHooks: true, hooksPost: "true" }, editing).hooks, {
    post: "true",
  });
  assert.equal("hooks" in planBody({ ...f, hooksPre: "x" }, { ...editing, isAdmin: false }), false);
  assert.ok(checkPlan(planBody(f, editing), true).ok);
});

Deno.test("the appliance's 400 details map onto the same fields", () => {
  const errors = serverFieldErrors({
    problems: [
      { field: "sources.0", problem: "must be an absolute path" },
      { field: "retention.weekly", problem: "must be at least 1" },
      { field: "body", problem: "has a field that is not known" },
    ],
  });
  assert.deepEqual(errors, {
    sources: "line 1: must be an absolute path",
    "retention.weekly": "must be at least 1",
    form: "has a field that is not known",
  });
  assert.deepEqual(serverFieldErrors(undefined), {});
});
