/** What the agent tells the appliance about its host: gathered at enrollment and on each start. */
import { arch, hostname, networkInterfaces, platform, release } from "node:os";
import type { HostFacts } from "../server/contract/agent.ts";
import { readTextIfExists } from "./platform/files.ts";
import { runtime } from "./platform/runtime.ts";
import { toolVersions } from "./platform/tool_versions.ts";
import { AGENT_VERSION } from "./version.ts";

async function osName(): Promise<string> {
  // Not Linux, or a minimal image without os-release: the platform name will do.
  const text = await readTextIfExists("/etc/os-release").catch(() => null);
  const m = text ? /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text) : null;
  return m ? m[1].slice(0, 200) : platform();
}

function addresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal) out.push(a.address);
  }
  return out.slice(0, 64);
}

export async function gatherFacts(): Promise<HostFacts> {
  const tools = await toolVersions();
  return {
    hostname: hostname().slice(0, 253) || "unknown",
    os: await osName(),
    platform: platform(),
    arch: arch(),
    kernel: release().slice(0, 200),
    agentVersion: AGENT_VERSION,
    runtime: runtime.name(),
    borgVersion: tools.borg,
    resticVersion: tools.restic,
    addresses: addresses(),
  };
}
