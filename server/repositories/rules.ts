/**
 * What makes a repository's configuration whole, checked on create and on the result of every
 * update: the location kind fits the engine, SSH locations have a key and others none, backend
 * credentials fit the backend. Each failure is a 400 naming the field, never the value sent.
 */
import type { BackendCredentials, Engine, RepositoryLocation } from "../contract/jobs.ts";
import { LOCATION_KINDS } from "../contract/jobs.ts";
import { ValidationError } from "../errors.ts";

export function invalid(field: string, problem: string, where = "body"): ValidationError {
  return new ValidationError(`Invalid ${where}: ${field} ${problem}`, {
    problems: [{ field, problem }],
  });
}

const SSH_KINDS = new Set(["sftp", "ssh"]);

/** Which credential fields each location kind can use. */
const CREDENTIALS_FOR: Record<RepositoryLocation["kind"], Array<keyof BackendCredentials>> = {
  local: [],
  sftp: [],
  ssh: [],
  rest: ["restPassword"],
  s3: ["s3SecretAccessKey", "s3SessionToken"],
  rclone: ["rcloneEnv"],
};

export function checkRepositoryShape(r: {
  engine: Engine;
  location: RepositoryLocation;
  sshKeyId: string | null;
  knownHosts: string | null;
  credentials: BackendCredentials | null;
}): void {
  const kinds = LOCATION_KINDS[r.engine];
  if (!kinds.includes(r.location.kind)) {
    throw invalid("location.kind", `must be one of ${kinds.join(", ")} for ${r.engine}`);
  }
  const overSsh = SSH_KINDS.has(r.location.kind);
  if (overSsh && r.sshKeyId === null) {
    throw invalid("sshKeyId", `is required for a ${r.location.kind} location`);
  }
  if (!overSsh && r.sshKeyId !== null) {
    throw invalid("sshKeyId", "is only for sftp and ssh locations");
  }
  if (!overSsh && r.knownHosts !== null) {
    throw invalid("knownHosts", "is only for sftp and ssh locations");
  }
  if (r.knownHosts !== null && !validKnownHosts(r.knownHosts)) {
    throw invalid("knownHosts", "must be known_hosts lines (host, key type, key)");
  }
  const allowed = CREDENTIALS_FOR[r.location.kind];
  for (const [k, v] of Object.entries(r.credentials ?? {})) {
    if (v === undefined) continue;
    if (!allowed.includes(k as keyof BackendCredentials)) {
      throw invalid(`credentials.${k}`, `is not used by a ${r.location.kind} location`);
    }
  }
  if (r.location.kind === "rest" && r.credentials?.restPassword && !r.location.username) {
    throw invalid("location.username", "is required with a REST password");
  }
}

function validKnownHosts(text: string): boolean {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  return lines.length > 0 &&
    lines.every((l) =>
      /^(@(cert-authority|revoked) )?\S+ (ssh-|ecdsa-|sk-)\S+ [A-Za-z0-9+/=]+( .*)?$/.test(l)
    );
}

/** Credentials with every field empty are no credentials. */
export function credentialsOrNull(c: BackendCredentials | undefined): BackendCredentials | null {
  if (!c) return null;
  const kept = Object.fromEntries(
    Object.entries(c).filter(([, v]) =>
      v !== undefined && v !== "" && !(typeof v === "object" && Object.keys(v).length === 0)
    ),
  );
  return Object.keys(kept).length > 0 ? kept as BackendCredentials : null;
}

const PASSPHRASE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";

/**
 * A passphrase Cairn mints: 6 groups of 5 characters from 32 unambiguous ones (150 bits),
 * easy to read out and to type again from a printout.
 */
export function mintPassphrase(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(30));
  const chars = [...bytes].map((b) => PASSPHRASE_ALPHABET[b & 31]);
  const groups: string[] = [];
  for (let i = 0; i < 30; i += 5) groups.push(chars.slice(i, i + 5).join(""));
  return groups.join("-");
}
