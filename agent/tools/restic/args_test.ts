import assert from "node:assert/strict";
import { InvalidOptionsError } from "../common/result.ts";
import { buildResticArgs, utcTime } from "./args.ts";
import { repositoryAccess } from "./repository.ts";

Deno.test("restic backup args: every plan field, global flags before the sources", () => {
  const args = buildResticArgs("backup", {
    sources: ["/home", "/etc"],
    excludes: ["*.tmp", "**/node_modules"],
    excludeIfPresent: [".nobackup"],
    oneFileSystem: true,
    tags: ["cairn", "plan-7"],
    hostname: "web1",
    time: new Date("2024-01-02T03:04:05.678Z"),
    limitUploadKiB: 512,
    limitDownloadKiB: 1024,
  });
  assert.deepEqual(args, [
    "backup",
    "--limit-upload=512",
    "--limit-download=1024",
    "--json",
    "--exclude=*.tmp",
    "--exclude=**/node_modules",
    "--exclude-if-present=.nobackup",
    "--one-file-system",
    "--tag=cairn",
    "--tag=plan-7",
    "--host=web1",
    "--time=2024-01-02 03:04:05",
    "--",
    "/home",
    "/etc",
  ]);
});

Deno.test("restic forget args: retention scoped by tag and host", () => {
  assert.deepEqual(
    buildResticArgs("forget", {
      keep: { last: 2, daily: 7, weekly: 4, monthly: 6, yearly: 1, hourly: 24, within: "2w" },
      tags: ["cairn"],
      hosts: ["web1"],
      dryRun: true,
    }),
    [
      "forget",
      "--json",
      "--keep-last=2",
      "--keep-hourly=24",
      "--keep-daily=7",
      "--keep-weekly=4",
      "--keep-monthly=6",
      "--keep-yearly=1",
      "--keep-within=14d",
      "--tag=cairn",
      "--host=web1",
      "--dry-run",
    ],
  );
});

Deno.test("restic check, ls, restore, dump and stats args", () => {
  assert.deepEqual(buildResticArgs("check", { readDataSubset: "10%" }), [
    "check",
    "--read-data-subset=10%",
  ]);
  assert.deepEqual(buildResticArgs("check", { readData: true }), ["check", "--read-data"]);
  assert.deepEqual(buildResticArgs("ls", { snapshot: "latest", hosts: ["h"], dirs: ["/etc"] }), [
    "ls",
    "--json",
    "--host=h",
    "--",
    "latest",
    "/etc",
  ]);
  assert.deepEqual(
    buildResticArgs("restore", {
      snapshot: "abcdef12",
      target: "/restore",
      include: ["/etc/hosts"],
    }),
    ["restore", "--target=/restore", "--include=/etc/hosts", "--", "abcdef12"],
  );
  assert.deepEqual(
    buildResticArgs("dump", { snapshot: "abcdef12", path: "/etc/hosts", output: () => {} }),
    [
      "dump",
      "--",
      "abcdef12",
      "/etc/hosts",
    ],
  );
  assert.deepEqual(buildResticArgs("stats", { mode: "raw-data" }), [
    "stats",
    "--json",
    "--mode=raw-data",
  ]);
  assert.deepEqual(buildResticArgs("unlock", {}), ["unlock"]);
});

Deno.test("restic args refuse what would make a wrong command", () => {
  const bad: Array<() => unknown> = [
    () => buildResticArgs("backup", { sources: [] }),
    () => buildResticArgs("backup", { sources: ["relative/path"] }),
    () => buildResticArgs("backup", { sources: ["/x"], tags: ["a,b"] }),
    () => buildResticArgs("backup", { sources: ["/x"], limitUploadKiB: 0 }),
    () => buildResticArgs("forget", { keep: {} }),
    () => buildResticArgs("forget", { keep: { daily: 0 } }),
    () => buildResticArgs("forget", { keep: { within: "2 weeks" } }),
    () => buildResticArgs("check", { readDataSubset: "half" }),
    () => buildResticArgs("ls", { snapshot: "--help" }),
  ];
  for (const f of bad) assert.throws(f, InvalidOptionsError);
});

Deno.test("restic repository locations: secrets only in the environment", () => {
  const rest = repositoryAccess({
    kind: "rest",
    url: "https://backup.lan:8000/web1/",
    username: "web1",
    password: "p@ss:w/rd",
  });
  assert.deepEqual(rest.args, []);
  assert.equal(
    rest.env.RESTIC_REPOSITORY,
    "rest:https://web1:p%40ss%3Aw%2Frd@backup.lan:8000/web1/",
  );
  assert.equal(rest.display, "rest:https://backup.lan:8000/web1/");
  assert.ok(rest.secrets.includes("p@ss:w/rd"));

  const s3 = repositoryAccess({
    kind: "s3",
    url: "s3.amazonaws.com/bucket/web1",
    accessKeyId: "AKIAEXAMPLE",
    secretAccessKey: "s3cr3t-key",
    region: "eu-west-1",
  });
  assert.deepEqual(s3.env, {
    RESTIC_REPOSITORY: "s3:s3.amazonaws.com/bucket/web1",
    AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "s3cr3t-key",
    AWS_DEFAULT_REGION: "eu-west-1",
  });

  const sftp = repositoryAccess({
    kind: "sftp",
    user: "backup",
    host: "nas.lan",
    port: 2222,
    path: "/srv/restic/web1",
    ssh: { keyFile: "/state/keys/id ed25519", knownHostsFile: "/state/known_hosts" },
  });
  assert.equal(sftp.env.RESTIC_REPOSITORY, "sftp:backup@nas.lan:/srv/restic/web1");
  assert.equal(sftp.args[0], "-o");
  assert.match(
    sftp.args[1],
    /^sftp\.command=ssh -i '\/state\/keys\/id ed25519' -o IdentitiesOnly=yes /,
  );
  assert.match(sftp.args[1], / -p 2222 backup@nas\.lan -s sftp$/);
  assert.match(sftp.args[1], /StrictHostKeyChecking=yes .*BatchMode=yes/);

  const rclone = repositoryAccess({
    kind: "rclone",
    remote: "b2:bucket/web1",
    env: { RCLONE_CONFIG_B2_KEY: "k3y-value" },
  });
  assert.equal(rclone.env.RESTIC_REPOSITORY, "rclone:b2:bucket/web1");
  assert.ok(rclone.secrets.includes("k3y-value"));
  assert.throws(() => repositoryAccess({ kind: "local", path: "relative" }), InvalidOptionsError);
  assert.throws(() => repositoryAccess({ kind: "rest", url: "ftp://x/" }), InvalidOptionsError);
});

Deno.test("restic --time is UTC in restic's own format", () => {
  assert.equal(utcTime(new Date("2024-03-31T23:59:59.999+02:00")), "2024-03-31 21:59:59");
});
