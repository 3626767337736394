/**
 * The new-repository form: strings as typed, turned into the contract's CreateRepository and
 * checked with its schema, by field. Which location kinds an engine offers comes from the
 * contract's LOCATION_KINDS.
 */
import * as v from "valibot";
import type { CreateRepository } from "../../../../server/contract/backups.ts";
import { CreateRepositorySchema } from "../../../../server/contract/backups.ts";
import type { Engine, RepositoryLocation } from "../../../../server/contract/jobs.ts";
import type { FieldErrors } from "../plans/form_parts.tsx";

export type LocationKind = RepositoryLocation["kind"];

export const KIND_LABEL: Record<LocationKind, string> = {
  local: "Folder on the host",
  sftp: "SFTP server",
  ssh: "SSH server",
  rest: "REST server",
  s3: "S3 bucket",
  rclone: "rclone remote",
};

export interface RepositoryForm {
  name: string;
  engine: Engine;
  kind: LocationKind;
  path: string;
  user: string;
  host: string;
  port: string;
  remotePath: string;
  url: string;
  username: string;
  accessKeyId: string;
  region: string;
  remote: string;
  sshKeyId: string;
  knownHosts: string;
  passphrase: string;
  restPassword: string;
  s3SecretAccessKey: string;
  s3SessionToken: string;
  /** RCLONE_CONFIG_… variables, one NAME=value per line. */
  rcloneEnv: string;
}

export function emptyRepositoryForm(): RepositoryForm {
  return {
    name: "",
    engine: "restic",
    kind: "local",
    path: "",
    user: "",
    host: "",
    port: "",
    remotePath: "",
    url: "",
    username: "",
    accessKeyId: "",
    region: "",
    remote: "",
    sshKeyId: "",
    knownHosts: "",
    passphrase: "",
    restPassword: "",
    s3SecretAccessKey: "",
    s3SessionToken: "",
    rcloneEnv: "",
  };
}

export const usesSsh = (kind: LocationKind) => kind === "sftp" || kind === "ssh";

const opt = (s: string) => (s.trim() === "" ? undefined : s.trim());
const port = (s: string) => (s.trim() === "" ? undefined : Number(s.trim()));

export function locationOf(f: RepositoryForm): Record<string, unknown> {
  switch (f.kind) {
    case "local":
      return { kind: "local", path: f.path.trim() };
    case "sftp":
      return clean({
        kind: "sftp",
        user: f.user.trim(),
        host: f.host.trim(),
        port: port(f.port),
        path: f.path.trim(),
      });
    case "ssh":
      return clean({
        kind: "ssh",
        user: f.user.trim(),
        host: f.host.trim(),
        port: port(f.port),
        path: f.path.trim(),
        remotePath: opt(f.remotePath),
      });
    case "rest":
      return clean({ kind: "rest", url: f.url.trim(), username: opt(f.username) });
    case "s3":
      return clean({
        kind: "s3",
        url: f.url.trim(),
        accessKeyId: f.accessKeyId.trim(),
        region: opt(f.region),
      });
    case "rclone":
      return { kind: "rclone", remote: f.remote.trim() };
  }
}

function clean(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));
}

function credentialsOf(f: RepositoryForm): Record<string, unknown> | undefined {
  const c: Record<string, unknown> = {};
  if (f.kind === "rest" && f.restPassword) c.restPassword = f.restPassword;
  if (f.kind === "s3" && f.s3SecretAccessKey) c.s3SecretAccessKey = f.s3SecretAccessKey;
  if (f.kind === "s3" && f.s3SessionToken) c.s3SessionToken = f.s3SessionToken;
  if (f.kind === "rclone" && f.rcloneEnv.trim()) {
    c.rcloneEnv = Object.fromEntries(
      f.rcloneEnv.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
        const at = l.indexOf("=");
        return at < 0 ? [l, ""] : [l.slice(0, at).trim(), l.slice(at + 1)];
      }),
    );
  }
  return Object.keys(c).length ? c : undefined;
}

export function repositoryBody(f: RepositoryForm): Record<string, unknown> {
  return clean({
    name: f.name,
    engine: f.engine,
    location: locationOf(f),
    passphrase: f.passphrase === "" ? undefined : f.passphrase,
    credentials: credentialsOf(f),
    sshKeyId: usesSsh(f.kind) && f.sshKeyId ? f.sshKeyId : undefined,
    knownHosts: usesSsh(f.kind) && f.knownHosts.trim() ? f.knownHosts.trim() : undefined,
  });
}

/** "location.path" stays as is; a credentials problem lands on its field; never the value. */
export function repositoryFieldOf(path: ReadonlyArray<string | number>): string {
  const keys = path.map(String);
  if (keys[0] === "location" || keys[0] === "credentials") return keys.slice(0, 2).join(".");
  return keys[0] ?? "form";
}

export function checkRepository(
  body: Record<string, unknown>,
): { ok: true; value: CreateRepository } | { ok: false; errors: FieldErrors } {
  const r = v.safeParse(CreateRepositorySchema, body);
  if (r.success) return { ok: true, value: r.output };
  const errors: FieldErrors = {};
  for (const issue of r.issues) {
    const field = repositoryFieldOf((issue.path ?? []).map((p) => p.key as string | number));
    const missing = issue.kind === "schema" && issue.received === "undefined";
    errors[field] ??= missing ? "is required" : issue.message;
  }
  return { ok: false, errors };
}

/** The appliance's 400 details by form field. */
export function serverRepositoryErrors(details: unknown): FieldErrors {
  const problems = (details as { problems?: unknown })?.problems;
  const errors: FieldErrors = {};
  if (!Array.isArray(problems)) return errors;
  for (const p of problems) {
    if (typeof p?.field !== "string" || typeof p?.problem !== "string") continue;
    errors[p.field === "body" ? "form" : repositoryFieldOf(p.field.split("."))] ??= p.problem;
  }
  return errors;
}
