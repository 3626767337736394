/**
 * A request body as lines, read as it arrives: a listing upload is hundreds of MB and never
 * sits in memory as one text. Yields lines without their "\n" (and "\r"); empty lines are
 * skipped. `firstLine` reads one line ahead, for a restic listing's snapshot line.
 */
export async function* linesOf(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of body) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const parts = text.split("\n");
    rest = parts.pop() ?? "";
    for (const p of parts) {
      const line = p.endsWith("\r") ? p.slice(0, -1) : p;
      if (line !== "") yield line;
    }
  }
  rest += decoder.decode();
  if (rest !== "" && rest !== "\r") yield rest.endsWith("\r") ? rest.slice(0, -1) : rest;
}

/** The first line, and the lines again from the start (the first one included). */
export async function peekFirstLine(
  lines: AsyncIterator<string>,
): Promise<{ first: string | null; all: AsyncIterable<string> }> {
  const head = await lines.next();
  const first = head.done ? null : head.value;
  async function* all() {
    if (first !== null) yield first;
    for (let r = await lines.next(); !r.done; r = await lines.next()) yield r.value;
  }
  return { first, all: all() };
}
