/**
 * What HTTPS costs at start-up: making the local CA and the server certificate on a first start,
 * reusing them on a warm start, and re-issuing the certificate after a new name; then the whole
 * appliance process, spawn to the first 200 on https://localhost/healthz, cold and warm.
 *
 *   npx deno run -A scripts/bench/tls_start.ts
 *
 * Prints milliseconds (median of several rounds) and the cold/warm ratio.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureLocalTls } from "../../server/tls/local_ca.ts";
import { startServerProcess } from "../../test/helpers/server_process.ts";

const ROUNDS = 7;
const PROCESS_ROUNDS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function materialFigures() {
  const cold: number[] = [];
  const warm: number[] = [];
  const reissue: number[] = [];
  // One unmeasured round loads the modules and warms WebCrypto.
  for (let i = 0; i <= ROUNDS; i++) {
    const dir = await mkdtemp(join(tmpdir(), "cairn-bench-tls-"));
    const c = await timed(() => ensureLocalTls({ dir, extraHostnames: [] }));
    const w = await timed(() => ensureLocalTls({ dir, extraHostnames: [] }));
    const r = await timed(() => ensureLocalTls({ dir, extraHostnames: [`n${i}.lan`] }));
    await rm(dir, { recursive: true, force: true });
    if (i === 0) continue;
    cold.push(c);
    warm.push(w);
    reissue.push(r);
  }
  return { cold: median(cold), warm: median(warm), reissue: median(reissue) };
}

async function firstHttpsOk(dataDir?: string) {
  const t0 = performance.now();
  const srv = await startServerProcess({ env: { CAIRN_TLS: "on" }, dataDir });
  const ca = await Deno.readTextFile(join(srv.dataDir, "tls", "ca.crt"));
  const client = Deno.createHttpClient({ caCerts: [ca] });
  const init: RequestInit & { client: Deno.HttpClient } = { client };
  const res = await fetch(`https://localhost:${srv.port}/healthz`, init);
  await res.body?.cancel();
  const ms = performance.now() - t0;
  client.close();
  await srv.stop();
  if (res.status !== 200) throw new Error(`healthz answered ${res.status}`);
  return { ms, srv };
}

async function processFigures() {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < PROCESS_ROUNDS; i++) {
    const first = await firstHttpsOk();
    cold.push(first.ms);
    warm.push((await firstHttpsOk(first.srv.dataDir)).ms);
    await first.srv.cleanup();
  }
  return { cold: median(cold), warm: median(warm) };
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const m = await materialFigures();
console.log(`ensureLocalTls, first start (CA + server certificate): ${fmt(m.cold)}`);
console.log(`ensureLocalTls, warm start (reuse, checks only):        ${fmt(m.warm)}`);
console.log(`ensureLocalTls, re-issue after a new host name:         ${fmt(m.reissue)}`);
console.log(`  cold/warm ratio: ${(m.cold / m.warm).toFixed(1)}`);
const p = await processFigures();
console.log(`appliance spawn to first 200 over HTTPS, first start: ${fmt(p.cold)}`);
console.log(`appliance spawn to first 200 over HTTPS, warm start:  ${fmt(p.warm)}`);
console.log(`  cold/warm ratio: ${(p.cold / p.warm).toFixed(2)} (target for any start: < 1000 ms)`);
