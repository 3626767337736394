/** What the agent tells the appliance about its host: gathered at enrollment and on each start. */
import { readFile } from "node:fs/promises";
import { arch, hostname, networkInterfaces, platform, release } from "node:os";
import process from "node:process";
import type { HostFacts } from "../server/contract/agent.ts";
import { toolVersions } from "./platform/tool_versions.ts";
import { AGENT_VERSION } from "./version.ts";

async function osName(): Promise<string> {
  try {
    const text = await readFile("/etc/os-release", "utf8");
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
    if (m) return m[1].slice(0, 200);
  } catch {
    // not Linux, or a minimal image without os-release: the platform name below will do
  }
  return platform();
}

function addresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal) out.push(a.address);
  }
  return out.slice(0, 64);
}

function runtimeName(): string {
  const deno = (globalThis as { Deno?: { version: { deno: string } } }).Deno;
  return deno ? `deno ${deno.version.deno}` : `node ${process.versions.node}`;
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
    runtime: runtimeName(),
    borgVersion: tools.borg,
    resticVersion: tools.restic,
    addresses: addresses(),
  };
}
