/**
 * A repository's location as the tools see it, through the agent's own pure mappers
 * (agent/tools/restic/repository.ts, agent/tools/borg/repository.ts), so what the appliance shows
 * ("display", the plan preview) is what the agent runs. Called without any secret: credentials
 * and passphrases never reach these functions on the appliance.
 */
import { borgRepositoryAccess } from "../../agent/tools/borg/repository.ts";
import type { BorgRepository } from "../../agent/tools/borg/repository.ts";
import type { SshOptions } from "../../agent/tools/common/ssh.ts";
import { repositoryAccess } from "../../agent/tools/restic/repository.ts";
import type { ResticRepository } from "../../agent/tools/restic/repository.ts";
import type { Engine, RepositoryLocation } from "../contract/jobs.ts";

export interface ToolLocation {
  /** Arguments before the command (restic's `-o sftp.command=…`, borg's `--remote-path`). */
  args: string[];
  /** borg's repository argument; restic takes it from RESTIC_REPOSITORY. */
  location: string;
  /** The environment the tool gets, as far as it holds no secret (secret values are empty). */
  env: Record<string, string>;
  display: string;
}

export function resticRepository(loc: RepositoryLocation, ssh?: SshOptions): ResticRepository {
  switch (loc.kind) {
    case "local":
    case "rclone":
      return loc;
    case "sftp":
      return { ...loc, ssh };
    case "rest":
      return { kind: "rest", url: loc.url, username: loc.username };
    case "s3":
      return { ...loc, secretAccessKey: "" };
    case "ssh":
      throw new Error("restic has no ssh: location (the contract's LOCATION_KINDS keep it out)");
  }
}

export function borgRepository(loc: RepositoryLocation, ssh?: SshOptions): BorgRepository {
  if (loc.kind === "local") return loc;
  if (loc.kind === "ssh") return { ...loc, ssh };
  throw new Error(`borg has no ${loc.kind}: location (LOCATION_KINDS keep it out)`);
}

export function toolLocation(
  engine: Engine,
  loc: RepositoryLocation,
  ssh?: SshOptions,
): ToolLocation {
  if (engine === "restic") {
    const a = repositoryAccess(resticRepository(loc, ssh));
    // REST credentials would sit in the URL: the environment shows it without them.
    const env = { ...a.env, ...(loc.kind === "rest" ? { RESTIC_REPOSITORY: a.display } : {}) };
    return { args: a.args, location: a.display, env, display: a.display };
  }
  const b = borgRepositoryAccess(borgRepository(loc, ssh));
  return { args: b.args, location: b.location, env: b.env, display: b.location };
}

/** The location as the tool spells it, without credentials. */
export function locationDisplay(engine: Engine, loc: RepositoryLocation): string {
  return toolLocation(engine, loc).display;
}
