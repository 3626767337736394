import assert from "node:assert/strict";
import { InvalidOptionsError } from "../common/result.ts";
import { archiveName, buildBorgArgs, globPattern } from "./args.ts";
import { borgRepositoryAccess } from "./repository.ts";

const repo = { location: "/srv/borg/web1" };

Deno.test("borg create args: every plan field, the archive after the options", () => {
  assert.deepEqual(
    buildBorgArgs("backup", {
      archive: "web1-2024-01-02T03:04:05",
      sources: ["/home", "/etc"],
      excludes: ["*.tmp", "re:^/home/[^/]+/\\.cache/", "**/node_modules"],
      excludeIfPresent: [".nobackup"],
      oneFileSystem: true,
      compression: "zstd,6",
      timestamp: new Date("2024-01-02T03:04:05.999Z"),
      uploadRatelimitKiB: 2048,
      listFiles: true,
    }, { ...repo, lockWaitSeconds: 5 }),
    [
      "create",
      "--log-json",
      "--lock-wait=5",
      "--progress",
      "--json",
      "--list",
      "--filter=AME",
      "--compression=zstd,6",
      "--exclude=sh:*.tmp",
      "--exclude=re:^/home/[^/]+/\\.cache/",
      "--exclude=sh:**/node_modules",
      "--exclude-if-present=.nobackup",
      "--one-file-system",
      "--timestamp=2024-01-02T03:04:05",
      "--upload-ratelimit=2048",
      "/srv/borg/web1::web1-2024-01-02T03:04:05",
      "/home",
      "/etc",
    ],
  );
});

Deno.test("borg prune, compact, check, list, info, extract args", () => {
  assert.deepEqual(
    buildBorgArgs(
      "prune",
      { keep: { daily: 7, weekly: 4, within: "36h" }, globArchives: "web1-*" },
      repo,
    ),
    [
      "prune",
      "--log-json",
      "--list",
      "--keep-daily=7",
      "--keep-weekly=4",
      "--keep-within=36H",
      "--glob-archives=web1-*",
      "/srv/borg/web1",
    ],
  );
  assert.deepEqual(buildBorgArgs("compact", {}, repo), [
    "compact",
    "--log-json",
    "--info",
    "--progress",
    "/srv/borg/web1",
  ]);
  assert.deepEqual(buildBorgArgs("check", { verifyData: true }, repo), [
    "check",
    "--log-json",
    "--info",
    "--progress",
    "--verify-data",
    "/srv/borg/web1",
  ]);
  assert.deepEqual(
    buildBorgArgs("check", { repositoryOnly: true, maxDurationSeconds: 600 }, repo).slice(4),
    [
      "--repository-only",
      "--max-duration=600",
      "/srv/borg/web1",
    ],
  );
  assert.deepEqual(buildBorgArgs("snapshots", { globArchives: "web1-*", last: 5 }, repo), [
    "list",
    "--log-json",
    "--json",
    "--glob-archives=web1-*",
    "--last=5",
    "/srv/borg/web1",
  ]);
  assert.deepEqual(buildBorgArgs("stats", {}, repo), [
    "info",
    "--log-json",
    "--json",
    "/srv/borg/web1",
  ]);
  assert.deepEqual(
    buildBorgArgs("restore", { archive: "a1", target: "/r", paths: ["etc/hosts"] }, repo),
    [
      "extract",
      "--log-json",
      "--progress",
      "/srv/borg/web1::a1",
      "etc/hosts",
    ],
  );
  assert.deepEqual(buildBorgArgs("breakLock", {}, repo), [
    "break-lock",
    "--log-json",
    "/srv/borg/web1",
  ]);
  assert.deepEqual(buildBorgArgs("version", {}, repo), ["--version"]);
});

Deno.test("borg args refuse what would make a wrong command", () => {
  const bad: Array<() => unknown> = [
    () => buildBorgArgs("backup", { archive: "a", sources: [] }, repo),
    () => buildBorgArgs("backup", { archive: "a", sources: ["rel"] }, repo),
    () => buildBorgArgs("backup", { archive: "{hostname}-{now}", sources: ["/x"] }, repo),
    () => buildBorgArgs("backup", { archive: "a/b", sources: ["/x"] }, repo),
    () => buildBorgArgs("prune", { keep: {} }, repo),
    () => buildBorgArgs("check", { repositoryOnly: true, verifyData: true }, repo),
    () => buildBorgArgs("check", { maxDurationSeconds: 60 }, repo),
  ];
  for (const f of bad) assert.throws(f, InvalidOptionsError);
  assert.equal(archiveName("web1-2024-01-01T00:00:00"), "web1-2024-01-01T00:00:00");
  assert.equal(globPattern("pp:/home/x"), "pp:/home/x");
});

Deno.test("borg SSH locations: ssh:// URL, BORG_RSH with our key and known_hosts", () => {
  const access = borgRepositoryAccess({
    kind: "ssh",
    user: "borg",
    host: "nas.lan",
    port: 2222,
    path: "/backup/web1",
    ssh: { keyFile: "/state/keys/borg", knownHostsFile: "/state/known_hosts" },
    remotePath: "/usr/local/bin/borg",
  });
  assert.equal(access.location, "ssh://borg@nas.lan:2222/backup/web1");
  assert.match(
    access.env.BORG_RSH,
    /^ssh -i \/state\/keys\/borg -o IdentitiesOnly=yes -o UserKnownHostsFile=\/state\/known_hosts /,
  );
  assert.doesNotMatch(access.env.BORG_RSH, / -p /, "borg adds the port itself");
  assert.deepEqual(access.args, ["--remote-path=/usr/local/bin/borg"]);
  assert.equal(
    borgRepositoryAccess({ kind: "ssh", user: "u", host: "h", path: "~/repo" }).location,
    "ssh://u@h/~/repo",
  );
  assert.throws(
    () => borgRepositoryAccess({ kind: "ssh", user: "u;x", host: "h", path: "/r" }),
    InvalidOptionsError,
  );
});
