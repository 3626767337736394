/**
 * The job runner in a process of its own, as the agent runs it (the agent's outbox and
 * identity in a state dir, the runner started like `cairn-agent run` starts it), so a test can
 * measure its memory apart from the test's and kill it with SIGKILL mid-job.
 *
 *   deno run -A test/runner/agent_process.ts <stateDir> <pinned.json> [spec.json]
 *
 * With a spec it submits it and exits when the queue is empty; without one it only resumes.
 * It prints "ready" once the runner started.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadOrCreateIdentity } from "../../agent/identity.ts";
import { createJobRunner } from "../../agent/jobs/runner.ts";
import { createLog } from "../../agent/log.ts";
import { openOutbox } from "../../agent/outbox.ts";

const [stateDir, pinnedFile, specFile] = Deno.args;
const pinned = JSON.parse(await readFile(pinnedFile, "utf8"));
const identity = await loadOrCreateIdentity(stateDir);
const outbox = await openOutbox(join(stateDir, "outbox.db"));
const log = createLog({ level: "info" });
const runner = createJobRunner({ stateDir, outbox, identity, pinned, log });
await runner.start();
console.log("ready");
if (specFile) {
  const spec = JSON.parse(await readFile(specFile, "utf8"));
  await runner.runners["job.run"]({
    id: "cmd_00000000000000000000000001",
    kind: "job.run",
    jobId: spec.jobId,
    args: { spec },
    createdAt: Date.now(),
  });
}
await runner.idle();
await runner.stop();
outbox.close();
