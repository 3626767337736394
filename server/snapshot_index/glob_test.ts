import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import { compileQuery, detectKind } from "./glob.ts";

Deno.test("the kind of a query follows from its shape", () => {
  assert.equal(detectKind("/etc/hosts"), "path");
  assert.equal(detectKind("/etc/*.conf"), "glob");
  assert.equal(detectKind("*.conf"), "glob");
  assert.equal(detectKind("nginx/nginx.conf"), "glob");
  assert.equal(detectKind("nginx"), "substring");
});

Deno.test("a glob's directory part: ** spans levels, unanchored globs start at any depth", () => {
  const fits = (glob: string, dir: string) => {
    const q = compileQuery(glob, "glob");
    return q.dirTest === null || q.dirTest(dir);
  };
  assert.equal(compileQuery("**/*.conf").dirTest, null, "** alone is any directory");
  assert.ok(fits("**/nginx/*.conf", "/etc/nginx"));
  assert.ok(fits("**/nginx/*.conf", "/nginx"));
  assert.ok(!fits("**/nginx/*.conf", "/etc/nginx/sites"));
  assert.ok(fits("nginx/*.conf", "/etc/nginx"));
  assert.ok(!fits("nginx/*.conf", "/etc/nginx2"));
  assert.ok(fits("/etc/*/x", "/etc/nginx"));
  assert.ok(!fits("/etc/*/x", "/srv/etc/nginx"));
  assert.ok(fits("/etc/**/x", "/etc"));
  assert.ok(fits("/etc/**/x", "/etc/a/b/c"));
  assert.ok(fits("/x", "/"));
  assert.ok(!fits("/x", "/etc"));
  assert.ok(fits("/e?c/[a-n]*/x", "/etc/nginx"));
  assert.ok(!fits("/e?c/[!a-n]*/x", "/etc/nginx"));
  assert.ok(fits("a.b/x", "/a.b"));
  assert.ok(!fits("a.b/x", "/aXb"), "a dot is a dot, not any character");
});

Deno.test("the name part, and where a glob can start from", () => {
  const q = compileQuery("**/nginx/*.conf");
  assert.deepEqual(q.name, { op: "glob", pattern: "*.conf" });
  assert.deepEqual(q.parent, { op: "exact", name: "nginx" });
  assert.ok(
    q.nameRegex.test("a.conf") && !q.nameRegex.test("a.confx") && !q.nameRegex.test("a/b.conf"),
  );
  assert.deepEqual(compileQuery("/etc/hosts.d/*").parent, { op: "exact", name: "hosts.d" });
  assert.deepEqual(compileQuery("/*.conf").parent, { op: "exact", name: "" });
  assert.equal(compileQuery("a/**/*.conf").parent, null);
  assert.deepEqual(compileQuery("nginx/nginx.conf").name, { op: "exact", name: "nginx.conf" });
  assert.deepEqual(compileQuery("100%_x").name, { op: "like", pattern: "%100\\%\\_x%" });
  assert.deepEqual(compileQuery("/etc/nginx/nginx.conf").dirNames, ["etc", "nginx"]);
});

Deno.test("queries that cannot mean anything are refused", () => {
  for (
    const [q, kind] of [
      [" ", "auto"],
      ["a//b", "glob"],
      ["/a/../b", "glob"],
      ["a/b", "substring"],
      ["/", "path"],
    ] as const
  ) {
    assert.throws(() => compileQuery(q, kind), ValidationError, q);
  }
});
