import assert from "node:assert/strict";
import { checkRepository, emptyRepositoryForm, repositoryBody } from "./repository_form.ts";

Deno.test("a restic folder repository: no passphrase means Cairn mints one", () => {
  const f = { ...emptyRepositoryForm(), name: "nas", path: "/srv/restic" };
  const r = checkRepository(repositoryBody(f));
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.value, {
    name: "nas",
    engine: "restic",
    location: { kind: "local", path: "/srv/restic" },
  });
});

Deno.test("REST and borg-over-SSH locations carry their own fields and credentials", () => {
  const rest = {
    ...emptyRepositoryForm(),
    name: "rest",
    kind: "rest" as const,
    url: "http://127.0.0.1:8000/web1",
    username: "web1",
    restPassword: "s3cret",
    path: "/ignored",
  };
  const r = checkRepository(repositoryBody(rest));
  assert.ok(r.ok);
  assert.deepEqual(r.value.location, { kind: "rest", url: rest.url, username: "web1" });
  assert.deepEqual(r.value.credentials, { restPassword: "s3cret" });
  const borg = {
    ...emptyRepositoryForm(),
    name: "b",
    engine: "borg" as const,
    kind: "ssh" as const,
    user: "backup",
    host: "nas.local",
    port: "2222",
    path: "~/repos/web",
    sshKeyId: "key_01jabcdefghjkmnpqrstvwxyz0",
  };
  const b = checkRepository(repositoryBody(borg));
  assert.ok(b.ok, JSON.stringify(b));
  assert.deepEqual(b.value.location, {
    kind: "ssh",
    user: "backup",
    host: "nas.local",
    port: 2222,
    path: "~/repos/web",
  });
  assert.equal(b.value.sshKeyId, borg.sshKeyId);
});

Deno.test("problems land on the location's fields", () => {
  const f = { ...emptyRepositoryForm(), kind: "sftp" as const, host: "bad host", path: "rel" };
  const r = checkRepository(repositoryBody(f));
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.errors.name, "must not be empty");
  assert.equal(r.errors["location.user"], "must be a user name");
  assert.equal(r.errors["location.host"], "must be a host name or an IP address");
  assert.equal(r.errors["location.path"], "must be an absolute path (starting with /)");
});
