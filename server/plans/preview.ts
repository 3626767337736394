/**
 * The command lines a plan's jobs would run on a host, built with the agent's own pure argument
 * builders and location mappers, so the preview says what the agent runs. No secret is at hand
 * here: the passphrase and credentials travel in the environment, shown as `NAME=***`, and the
 * job's files (SSH key, known_hosts) as the places the agent writes them.
 */
import { buildBorgArgs } from "../../agent/tools/borg/args.ts";
import type { SshOptions } from "../../agent/tools/common/ssh.ts";
import { ASKPASS_ENV } from "../../agent/tools/common/ssh.ts";
import { quoteArg } from "../../agent/tools/common/redact.ts";
import { buildResticArgs } from "../../agent/tools/restic/args.ts";
import type { PlanPreview } from "../contract/backups.ts";
import { archiveName, archivePrefix, CAIRN_TAG, hostTag, planTag } from "../contract/jobs.ts";
import { toolLocation } from "../repositories/tool_location.ts";
import type { Plan, RepositoryBrief } from "./repo.ts";

const line = (tool: string, args: string[]) => [tool, ...args].map(quoteArg).join(" ");
const hasRetention = (p: Plan) => Object.values(p.retention).some((x) => x !== undefined);

function sshOptions(repo: RepositoryBrief): SshOptions | undefined {
  if (repo.sshKeyId === null) return undefined;
  const job = "STATE_DIR/jobs/run/JOB_ID";
  return {
    keyFile: `${job}/id`,
    knownHostsFile: repo.knownHostsSet ? `${job}/known_hosts` : `STATE_DIR/known_hosts/${repo.id}`,
    strictHostKeyChecking: repo.knownHostsSet ? "yes" : "accept-new",
    ...(repo.sshKeyHasPassphrase
      ? { keyPassphrase: { passphrase: "***", askpassProgram: "STATE_DIR/askpass" } }
      : {}),
  };
}

/** Names whose values are secret, whatever the value here (the preview has none of them). */
const SECRET_ENV = /PASS|SECRET|TOKEN|ACCESS_KEY_ID|^RCLONE_/;

function environment(engine: "restic" | "borg", env: Record<string, string>): string[] {
  const password = engine === "restic" ? "RESTIC_PASSWORD" : "BORG_PASSPHRASE";
  const entries = Object.entries(env).filter(([n]) => n !== ASKPASS_ENV);
  if (ASKPASS_ENV in env) entries.push([ASKPASS_ENV, ""]);
  return [`${password}=***`, ...entries.map(([n, v]) => `${n}=${SECRET_ENV.test(n) ? "***" : v}`)];
}

export function planPreview(
  plan: Plan,
  repo: RepositoryBrief,
  opts: { hostId: string; now: number },
): PlanPreview {
  const loc = toolLocation(repo.engine, repo.location, sshOptions(repo));
  const limits = plan.limits;
  const commands: PlanPreview["commands"] = [];
  if (repo.engine === "restic") {
    const l = { limitUploadKiB: limits.uploadKiB, limitDownloadKiB: limits.downloadKiB };
    const backup = buildResticArgs("backup", {
      ...l,
      sources: plan.sources,
      excludes: plan.excludes,
      excludeIfPresent: plan.excludeIfPresent,
      oneFileSystem: plan.oneFileSystem,
      tags: [CAIRN_TAG, hostTag(opts.hostId), planTag(plan.id), ...plan.tags],
    });
    commands.push({ kind: "backup", line: line("restic", [...loc.args, ...backup]) });
    if (hasRetention(plan)) {
      const forget = buildResticArgs("forget", {
        ...l,
        keep: plan.retention,
        allTags: [hostTag(opts.hostId), planTag(plan.id)],
        groupBy: "",
      });
      commands.push({ kind: "forget", line: line("restic", [...loc.args, ...forget]) });
    }
  } else {
    const repoFlags = { location: loc.location, repositoryArgs: loc.args };
    const backup = buildBorgArgs("backup", {
      archive: archiveName(opts.hostId, plan.id, opts.now),
      sources: plan.sources,
      excludes: plan.excludes,
      excludeIfPresent: plan.excludeIfPresent,
      oneFileSystem: plan.oneFileSystem,
      compression: plan.compression ?? undefined,
      uploadRatelimitKiB: limits.uploadKiB,
    }, repoFlags);
    commands.push({ kind: "backup", line: line("borg", backup) });
    if (hasRetention(plan)) {
      const prune = buildBorgArgs("prune", {
        keep: plan.retention,
        globArchives: `${archivePrefix(opts.hostId, plan.id)}*`,
      }, repoFlags);
      commands.push({ kind: "forget", line: line("borg", prune) });
    }
  }
  return { commands, environment: environment(repo.engine, loc.env) };
}
