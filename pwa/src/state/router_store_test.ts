import assert from "node:assert/strict";
import type { ScreenRoute } from "./router_store.ts";
import { matchRoute } from "./router_store.ts";

const screen = () => null;
const routes: ScreenRoute[] = [
  { path: "/", title: "Dashboard", access: "viewer", screen },
  { path: "/hosts", title: "Hosts", access: "viewer", screen },
  { path: "/hosts/:id", title: "Host", access: "viewer", screen },
  { path: "/hosts/:id/jobs/:job", title: "Job", access: "operator", screen },
];

Deno.test("paths match their route, with parameters decoded", () => {
  assert.equal(matchRoute(routes, "/")?.route.title, "Dashboard");
  assert.equal(matchRoute(routes, "/hosts/")?.route.title, "Hosts");
  assert.deepEqual(matchRoute(routes, "/hosts/h%201")?.params, { id: "h 1" });
  assert.deepEqual(matchRoute(routes, "/hosts/h1/jobs/j9")?.params, { id: "h1", job: "j9" });
});

Deno.test("unknown paths, empty parameters and malformed escapes match nothing", () => {
  assert.equal(matchRoute(routes, "/nope"), null);
  assert.equal(matchRoute(routes, "/hosts/h1/extra"), null);
  assert.equal(matchRoute(routes, "/hosts//jobs/j1"), null);
  assert.equal(matchRoute(routes, "/hosts/%E0%A4%A"), null);
});
