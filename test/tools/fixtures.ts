/** Shared pieces of the tool integration tests: temp dirs, event capture, secret scans. */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { DriverEvent } from "../../agent/tools/common/events.ts";

export const DROP_READ_CAPS = [
  "setpriv",
  "--inh-caps=-dac_override,-dac_read_search",
  "--bounding-set=-dac_override,-dac_read_search",
  "--",
];

export async function withTempDir(
  prefix: string,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `cairn-${prefix}-`));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function eventLog() {
  const events: DriverEvent[] = [];
  return {
    events,
    onEvent: (e: DriverEvent) => void events.push(e),
    of: <T extends DriverEvent["type"]>(type: T) =>
      events.filter((e): e is Extract<DriverEvent, { type: T }> => e.type === type),
  };
}

/** Fails if any secret appears anywhere in what a run handed back or emitted. */
export function assertNoSecrets(secrets: string[], ...things: unknown[]): void {
  const text = JSON.stringify(things);
  for (const s of secrets) assert.ok(!text.includes(s), `a secret leaked: ${s.slice(0, 3)}…`);
}

/** Every regular file under `dir`, relative path → content. */
export async function readTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path), (await readFile(path)).toString("base64"));
  }
  return out;
}

export async function assertSameTree(expected: string, actual: string): Promise<void> {
  const [a, b] = await Promise.all([readTree(expected), readTree(actual)]);
  assert.ok(a.size > 0, "the expected tree has files");
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  for (const [path, content] of a) assert.ok(b.get(path) === content, `content differs: ${path}`);
}

export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return [];
    throw err;
  }
}
