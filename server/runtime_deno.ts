/// <reference lib="deno.ns" />
import type { Context } from "hono";
import { ListenError } from "./runtime.ts";
import type { Runtime } from "./runtime.ts";

export const denoRuntime: Runtime = {
  name: `deno ${Deno.version.deno}`,
  serve(opts) {
    return new Promise((resolve, reject) => {
      let server: Deno.HttpServer;
      try {
        server = Deno.serve({
          hostname: opts.hostname,
          port: opts.port,
          ...(opts.tls ? { cert: opts.tls.cert, key: opts.tls.key } : {}),
          onListen: ({ port }) => resolve({ port, shutdown: () => server.shutdown() }),
        }, (req, info) => opts.fetch(req, info));
      } catch (err) {
        reject(new ListenError(`${opts.hostname}:${opts.port}`, err));
      }
    });
  },
  peer(c: Context) {
    const info = c.env as Deno.ServeHandlerInfo<Deno.NetAddr> | undefined;
    return info?.remoteAddr?.hostname ?? "unknown";
  },
  onSignal(signal, handler) {
    Deno.addSignalListener(signal, handler);
  },
  env: () => Deno.env.toObject(),
  exit: (code) => Deno.exit(code),
};
