/**
 * An enrolled agent's side of a listing upload, alone in its own process so its memory is its
 * own: generates `restic ls --json` lines for N entries (a snapshot line, then nodes in 2,000
 * directories), writes them into the index job's upload body in 64 KiB chunks as restic's pipe
 * would deliver them, and prints one JSON line: the appliance's answer, the time, and this
 * process's peak RSS. Used by test/index_upload_test.ts and scripts/bench/index_api.ts.
 *
 *   deno run -A scripts/bench/index_upload_agent.ts <stateDir> <jobId> <entries>
 */
import { createClient } from "../../agent/client.ts";
import { readEnrollment } from "../../agent/enrollment.ts";
import { loadOrCreateIdentity } from "../../agent/identity.ts";
import { createBodyPipe, createListingUploader } from "../../agent/jobs/listing_upload.ts";
import { createFetch } from "../../agent/platform/http.ts";

const [stateDir, jobId, count] = Deno.args;
const entries = Number(count);
const enrollment = await readEnrollment(stateDir);
if (!enrollment) throw new Error("not enrolled");
const identity = await loadOrCreateIdentity(stateDir);
const fetch = createFetch();
const uploader = createListingUploader({
  client: createClient({ baseUrl: enrollment.server, fetch }),
  identity,
  pinned: enrollment,
  fetch,
});

let peak = 0;
const sample = () => (peak = Math.max(peak, Deno.memoryUsage().rss));
const sampler = setInterval(sample, 20);
const rssBefore = Deno.memoryUsage().rss;

function* lines(): Generator<string> {
  yield JSON.stringify({
    time: "2026-11-01T12:00:00Z",
    tree: "0".repeat(64),
    paths: ["/data"],
    hostname: "bench",
    id: "ab".repeat(32),
    short_id: "abababab",
    struct_type: "snapshot",
  });
  const dirs = 2000;
  const perDir = Math.ceil(entries / dirs) - 1;
  yield node("/data", "data", "dir", 0);
  let made = 1;
  for (let d = 0; d < dirs && made < entries; d++) {
    const dir = `/data/d${d % 40}/sub${d}`;
    if (d < 40) {
      yield node(`/data/d${d}`, `d${d}`, "dir", 0);
      made++;
    }
    yield node(dir, `sub${d}`, "dir", 0);
    made++;
    for (let f = 0; f < perDir && made < entries; f++, made++) {
      yield node(`${dir}/file-${f}.txt`, `file-${f}.txt`, "file", (f * 7919) % 100_000);
    }
  }
}

function node(path: string, name: string, type: string, size: number): string {
  return `{"name":${JSON.stringify(name)},"type":"${type}","path":${
    JSON.stringify(path)
  },"uid":1000,"gid":1000,"size":${size},"mode":${
    type === "dir" ? 2147484141 : 420
  },"mtime":"2026-10-${10 + (size % 18)}T08:00:00.123456789Z","struct_type":"node"}`;
}

const started = performance.now();
const pipe = createBodyPipe();
const upload = uploader.upload(jobId, {
  format: "restic",
  body: pipe.body,
  signal: AbortSignal.timeout(600_000),
});
const encoder = new TextEncoder();
let buffer = "";
let bytes = 0;
for (const line of lines()) {
  buffer += line + "\n";
  if (buffer.length >= 65_536) {
    const chunk = encoder.encode(buffer);
    bytes += chunk.length;
    buffer = "";
    await pipe.write(chunk);
  }
}
if (buffer) await pipe.write(encoder.encode(buffer)), bytes += buffer.length;
pipe.close();
const result = await upload;
const ms = performance.now() - started;
sample();
clearInterval(sampler);
console.log(JSON.stringify({ result, ms, bytes, rssBefore, peakRss: peak }));
