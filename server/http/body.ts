/** Reads a JSON body with a hard byte limit, counting the stream itself (Content-Length may lie or be absent). */
import type { Context } from "hono";
import { BadRequestError, PayloadTooLargeError } from "../errors.ts";

export async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > limit) throw new PayloadTooLargeError(limit);
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new BadRequestError("Send the body as JSON with Content-Type: application/json");
  }
  const stream = c.req.raw.body;
  if (!stream) throw new BadRequestError("The request needs a JSON body");
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      // The client went away or broke the framing mid-body: its problem, not a server error.
      throw new BadRequestError("The request body ended before it was complete");
    }
    const { done, value } = chunk;
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(
        () => {/* the client may already be gone; nothing to clean up */},
      );
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const ch of chunks) {
    bytes.set(ch, at);
    at += ch.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new BadRequestError("The request body is not valid UTF-8");
  }
  if (text.trim() === "") throw new BadRequestError("The request needs a JSON body");
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError("The request body is not valid JSON");
  }
}
