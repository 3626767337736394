/**
 * A TCP proxy on loopback that can be cut (every connection closed, new ones refused) and healed:
 * put between two appliances, one per direction, it makes a network split between them while
 * both stay reachable from the test.
 */
export interface SplitProxy {
  url: string;
  port: number;
  /** Where it forwards to (may be set after the proxy started). */
  target: { port: number };
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

async function pipe(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  try {
    await from.readable.pipeTo(to.writable);
  } catch {
    // The other side closed, or the proxy cut the link.
  }
}

export function startSplitProxy(targetPort = 0): SplitProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const open = new Set<Deno.Conn>();
  const target = { port: targetPort };
  let isCut = false;
  const closeConn = (c: Deno.Conn) => {
    open.delete(c);
    try {
      c.close();
    } catch {
      // already closed
    }
  };
  const serve = async (client: Deno.Conn) => {
    if (isCut) return closeConn(client);
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: target.port });
    } catch {
      return closeConn(client);
    }
    if (isCut) {
      closeConn(upstream);
      return closeConn(client);
    }
    open.add(client);
    open.add(upstream);
    await Promise.race([pipe(client, upstream), pipe(upstream, client)]);
    closeConn(client);
    closeConn(upstream);
  };
  const accepting = (async () => {
    try {
      for await (const c of listener) void serve(c);
    } catch {
      // closed
    }
  })();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    target,
    cut() {
      isCut = true;
      for (const c of [...open]) closeConn(c);
    },
    heal() {
      isCut = false;
    },
    async close() {
      this.cut();
      listener.close();
      await accepting;
    },
  };
}
