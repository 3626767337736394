/**
 * Fixtures for the backup configuration tests: hosts in a given enrollment state (inserted
 * through the hosts repo, as enrollment would), a job row on a repository, SSH keys made by the
 * real ssh-keygen, and a scan of the database files and logs for a secret's plain text.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Db } from "../../server/db/connect.ts";
import { createHostsRepo } from "../../server/hosts/repo.ts";
import type { HostState } from "../../server/hosts/repo.ts";
import { newId } from "../../server/ids.ts";

export async function insertHost(
  db: Db,
  o: { name: string; state: HostState; tags?: string[]; now?: number },
): Promise<string> {
  const now = o.now ?? Date.UTC(2026, 10, 1);
  const id = newId("hst", now);
  const key = crypto.getRandomValues(new Uint8Array(32));
  const b64 = btoa(String.fromCharCode(...key));
  await createHostsRepo(db).insertHost({
    id,
    name: o.name,
    publicKey: b64,
    boxPublicKey: b64,
    fingerprint: id,
    state: o.state,
    tags: o.tags ?? [],
    facts: {},
    lockIp: null,
    enrolledIp: "127.0.0.1",
    protocolVersion: 1,
    createdAt: now,
    updatedAt: now,
    decidedAt: null,
    decidedBy: null,
  });
  return id;
}

export async function insertJob(
  db: Db,
  o: { hostId: string; repositoryId: string; planId?: string; status: "queued" | "ok" },
): Promise<string> {
  const id = newId("job");
  await db.insertInto("jobs").values({
    id,
    host_id: o.hostId,
    repository_id: o.repositoryId,
    plan_id: o.planId ?? null,
    kind: "backup",
    exclusive: 0,
    status: o.status,
    options: "{}",
    trigger: "manual",
    created_by: "test",
    created_at: Date.now(),
    log_lines: 0,
  }).execute();
  return id;
}

export async function sshKeygen(args: string[]): Promise<string> {
  const out = await new Deno.Command("ssh-keygen", { args, stdin: "null" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`ssh-keygen ${args.join(" ")} failed: ${text}`);
  return text;
}

/** A private key file made by ssh-keygen: `-m PEM`, `-m PKCS8` or the OpenSSH default. */
export async function makeKey(
  dir: string,
  o: { name: string; type: "ed25519" | "rsa" | "ecdsa"; passphrase?: string; format?: string },
): Promise<{ file: string; text: string; fingerprint: string; publicKey: string }> {
  const file = join(dir, o.name);
  const args = ["-q", "-t", o.type, "-N", o.passphrase ?? "", "-C", o.name, "-f", file];
  if (o.type === "rsa") args.push("-b", "2048");
  if (o.format) args.push("-m", o.format);
  await sshKeygen(args);
  const fingerprint = (await sshKeygen(["-lf", `${file}.pub`])).split(" ")[1];
  return {
    file,
    text: await readFile(file, "utf8"),
    fingerprint,
    publicKey: (await readFile(`${file}.pub`, "utf8")).trim(),
  };
}

/** The database file and its WAL as text, for "the secret is nowhere in plain text". */
export async function databaseText(dir: string): Promise<string> {
  let out = "";
  for (const f of ["cairn.db", "cairn.db-wal"]) {
    try {
      out += (await readFile(join(dir, f))).toString("latin1");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return out;
}

export async function assertSecretNowhere(
  t: { dir: string; logLines: string[]; db: Db },
  secret: string,
): Promise<void> {
  assert.ok(secret.length >= 8, "a secret long enough to look for");
  assert.ok(!(await databaseText(t.dir)).includes(secret), "the secret is not in the database");
  assert.ok(!t.logLines.some((l) => l.includes(secret)), "the secret is not in the log");
  const audit = await t.db.selectFrom("audit_log").select("details").execute();
  assert.ok(!audit.some((a) => a.details.includes(secret)), "the secret is not in the audit log");
}

export const isError = (body: unknown, code?: string) => {
  const e = (body as { error?: { code?: unknown; message?: unknown } }).error;
  return typeof e?.message === "string" && typeof e?.code === "string" &&
    (code === undefined || e.code === code);
};
