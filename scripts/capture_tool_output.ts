/**
 * Captures what the real restic and borg print, for the parser tests to replay. Runs the
 * drivers themselves (so the captured commands are exactly the ones they build) against temp
 * repositories, and writes each run to agent/tools/<tool>/testdata/<case>.jsonl, one
 * {"stream","line"} object per line, plus a manifest.json with the command, exit code and
 * what the case shows. Temp paths, the host name and the test secrets are scrubbed.
 *
 *   deno run -A scripts/capture_tool_output.ts [restic|borg]
 *
 * Unreadable files as root: root reads a chmod 000 file anyway, so the "unreadable file" cases
 * run the tool through `setpriv` with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped (the
 * driver's commandPrefix). A vanishing source or a FIFO did not make restic 0.14 exit 3 here
 * (a missing source is "does not exist, skipping" with exit 0; a FIFO is stored as a FIFO).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { type SpawnProcess, spawnProcess } from "../agent/platform/process.ts";
import { captureBorg } from "./capture/borg_cases.ts";
import { captureRestic } from "./capture/restic_cases.ts";

export interface CaseMeta {
  command: string;
  exitCode: number | null;
  signal: string | null;
  shows: string;
}

export interface Recorder {
  /** A spawn that records every line of the next run into the case named by `use`. */
  spawn: SpawnProcess;
  use(name: string, shows: string): void;
  done(
    name: string,
    meta: { command: string; exitCode: number | null; signal: string | null },
  ): void;
}

export interface CaptureContext {
  root: string;
  recorder: Recorder;
  secrets: string[];
}

export interface CaseSpec<R> {
  name: string;
  /** What the case shows, for the manifest. */
  shows: string;
  run: () => Promise<{ command: string; exitCode: number | null; signal: string | null } & R>;
}

/** Records one driver run as the named case. */
export function captureWith(recorder: Recorder) {
  return async <R>(spec: CaseSpec<R>) => {
    recorder.use(spec.name, spec.shows);
    const r = await spec.run();
    recorder.done(spec.name, r);
    return r;
  };
}

export const DROP_READ_CAPS = [
  "setpriv",
  "--inh-caps=-dac_override,-dac_read_search",
  "--bounding-set=-dac_override,-dac_read_search",
  "--",
];

function createRecorder(scrub: (s: string) => string) {
  const cases = new Map<string, { lines: string[]; meta?: CaseMeta; shows: string }>();
  let current: string | undefined;
  const recorder: Recorder = {
    spawn: (command, options) => {
      const target = current;
      return spawnProcess(command, {
        ...options,
        onLine(stream, line) {
          if (target) cases.get(target)!.lines.push(JSON.stringify({ stream, line: scrub(line) }));
          options.onLine?.(stream, line);
        },
      });
    },
    use(name, shows) {
      current = name;
      cases.set(name, { lines: [], shows });
    },
    done(name, meta) {
      const c = cases.get(name)!;
      c.meta = {
        command: scrub(meta.command),
        exitCode: meta.exitCode,
        signal: meta.signal,
        shows: c.shows,
      };
      current = undefined;
    },
  };
  return { recorder, cases };
}

function scrubber(root: string, secrets: string[]): (s: string) => string {
  const host = hostname();
  const hostPattern = new RegExp(`\\b${host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "g");
  return (s) => {
    let out = s.split(root).join("/srv/capture").split(root.slice(1)).join("srv/capture");
    out = out.split(basename(root)).join("capture");
    for (const secret of secrets) out = out.split(secret).join("***");
    return out.replace(hostPattern, "host1").replace(/CWD: \S+/, "CWD: /srv/capture");
  };
}

async function writeCases(
  tool: string,
  cases: Map<string, { lines: string[]; meta?: CaseMeta }>,
): Promise<void> {
  const dir = new URL(`../agent/tools/${tool}/testdata/`, import.meta.url);
  await mkdir(dir, { recursive: true });
  const manifest: Record<string, CaseMeta> = {};
  for (const [name, c] of [...cases].sort(([a], [b]) => a.localeCompare(b))) {
    if (!c.meta) throw new Error(`case ${name} was started but not finished`);
    await writeFile(new URL(`${name}.jsonl`, dir), c.lines.join("\n") + "\n");
    manifest[name] = c.meta;
  }
  await writeFile(new URL("manifest.json", dir), JSON.stringify(manifest, null, 2) + "\n");
  console.log(`${tool}: ${cases.size} cases written`);
}

async function main(): Promise<void> {
  const which = Deno.args[0];
  const root = await mkdtemp(join(tmpdir(), "cairn-capture-"));
  try {
    const secrets = [
      "capture-password-5f1c2a",
      "capture-wrong-password-77ab",
      "capture-http-pw-9d0e",
    ];
    for (const [tool, capture] of [["restic", captureRestic], ["borg", captureBorg]] as const) {
      if (which && which !== tool) continue;
      const { recorder, cases } = createRecorder(scrubber(root, secrets));
      const dir = join(root, tool);
      await mkdir(dir);
      await capture({ root: dir, recorder, secrets });
      await writeCases(tool, cases);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
