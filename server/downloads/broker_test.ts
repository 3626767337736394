import assert from "node:assert/strict";
import { createStreamBroker } from "./broker.ts";

/** An agent's body: `chunks`, then (when `end`) its end; records whether it was cancelled. */
function agentBody(chunks: Uint8Array[], o: { end: boolean }) {
  const state = { cancelled: false, pulls: 0 };
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      state.pulls++;
      if (at < chunks.length) ctrl.enqueue(chunks[at++]);
      else if (o.end) ctrl.close();
      // Otherwise the agent has more to send: nothing yet.
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { body, state };
}

async function readBytes(reader: ReadableStreamDefaultReader<Uint8Array>, n: number) {
  let got = 0;
  while (got < n) {
    const r = await reader.read();
    if (r.done) break;
    got += r.value.byteLength;
  }
  return got;
}

function waitingDownload(size: number | null, chunks: Uint8Array[], end: boolean) {
  const broker = createStreamBroker();
  let gone = 0;
  const waiter = broker.expect("str_1", { hostId: "hst_a", onBrowserGone: () => gone++ });
  const agent = agentBody(chunks, { end });
  const relayEnd = broker.deliver("str_1", { hostId: "hst_a", body: agent.body, size });
  return { waiter, agent, relayEnd, gone: () => gone };
}

Deno.test("a client that closes once it has the announced size ends the relay whole", async () => {
  const d = waitingDownload(6, [new Uint8Array(4), new Uint8Array(2)], true);
  const reader = (await d.waiter.arrived).stream.getReader();
  assert.equal(await readBytes(reader, 6), 6);
  // curl closes here, before it reads the body's end.
  await reader.cancel();
  assert.deepEqual(await d.relayEnd, { bytes: 6, chunks: 2, complete: true });
  assert.equal(d.gone(), 0, "a whole download must not cancel the job");
  assert.equal(d.agent.state.cancelled, false, "the agent's body is read to its end");
});

Deno.test("a client that goes away early cancels the job and the agent's body", async () => {
  const d = waitingDownload(6, [new Uint8Array(4), new Uint8Array(2)], true);
  const reader = (await d.waiter.arrived).stream.getReader();
  assert.equal(await readBytes(reader, 4), 4);
  await reader.cancel();
  assert.deepEqual(await d.relayEnd, { bytes: 4, chunks: 1, complete: false });
  assert.equal(d.gone(), 1);
  assert.equal(d.agent.state.cancelled, true);
});

Deno.test("without an announced size a cancel is always the browser going away", async () => {
  const d = waitingDownload(null, [new Uint8Array(4)], true);
  const reader = (await d.waiter.arrived).stream.getReader();
  assert.equal(await readBytes(reader, 4), 4);
  await reader.cancel();
  assert.deepEqual(await d.relayEnd, { bytes: 4, chunks: 1, complete: false });
  assert.equal(d.gone(), 1);
});

Deno.test("an agent body with more than it announced is not whole", async () => {
  const d = waitingDownload(4, [new Uint8Array(4), new Uint8Array(3)], true);
  const reader = (await d.waiter.arrived).stream.getReader();
  assert.equal(await readBytes(reader, 4), 4);
  await reader.cancel();
  assert.deepEqual(await d.relayEnd, { bytes: 4, chunks: 1, complete: false });
  assert.equal(d.agent.state.cancelled, true);
});
