import assert from "node:assert/strict";
import { ConflictError } from "../errors.ts";
import { readAll } from "./service.ts";

Deno.test("a preview's body that breaks midway is a 409 dump_failed, not an internal error", async () => {
  let sent = false;
  const broken = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (sent) return ctrl.error(new Error("connection reset"));
      sent = true;
      ctrl.enqueue(new Uint8Array(10));
    },
  });
  const err = await readAll(broken, 100).then(() => null, (e) => e);
  assert.ok(err instanceof ConflictError, String(err));
  assert.equal(err.status, 409);
  assert.equal(err.code, "dump_failed");

  const whole = new ReadableStream<Uint8Array>({
    start(ctrl) {
      ctrl.enqueue(new Uint8Array([1, 2, 3]));
      ctrl.enqueue(new Uint8Array([4, 5]));
      ctrl.close();
    },
  });
  assert.deepEqual([...await readAll(whole, 4)], [1, 2, 3, 4]);
});
