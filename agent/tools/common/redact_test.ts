import assert from "node:assert/strict";
import { createRedactor, formatCommand, quoteArg } from "./redact.ts";

Deno.test("known secrets are masked wherever they appear, URL-encoded too", () => {
  const r = createRedactor(["hunter2-long", "p@ss word", undefined, "ab"]);
  assert.equal(r.redact("pw=hunter2-long; again hunter2-long"), "pw=***; again ***");
  assert.equal(r.redact("rest:https://u:p%40ss%20word@h/"), "rest:https://u:***@h/");
  assert.equal(
    r.redact("ab stays: too short to be told from text"),
    "ab stays: too short to be told from text",
  );
});

Deno.test("the password part of any URL is masked, known or not", () => {
  const r = createRedactor([]);
  assert.equal(
    r.redact("rest:http://alice:xyz@127.0.0.1:8000/alice/"),
    "rest:http://alice:***@127.0.0.1:8000/alice/",
  );
  assert.equal(r.redact("sftp:user@host:/path"), "sftp:user@host:/path");
  assert.equal(r.redact("ssh://borg@nas:2222/repo"), "ssh://borg@nas:2222/repo");
});

Deno.test("command lines are quoted for reading and redacted", () => {
  assert.equal(quoteArg("--exclude=*.tmp"), "'--exclude=*.tmp'");
  assert.equal(quoteArg("it's"), `'it'"'"'s'`);
  assert.equal(quoteArg("/plain/path"), "/plain/path");
  const r = createRedactor(["topsecret"]);
  assert.equal(formatCommand("restic", ["-o", "x=topsecret"], r), "restic -o x=***");
});
