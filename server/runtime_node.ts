import { serve } from "@hono/node-server";
import { createServer as createHttpsServer } from "node:https";
import type { IncomingMessage, Server } from "node:http";
import process from "node:process";
import type { Context } from "hono";
import { ListenError } from "./runtime.ts";
import type { Runtime } from "./runtime.ts";

export const nodeRuntime: Runtime = {
  name: `node ${process.versions.node}`,
  serve(opts) {
    return new Promise((resolve, reject) => {
      const server = serve({
        fetch: opts.fetch,
        hostname: opts.hostname,
        port: opts.port,
        ...(opts.tls
          ? {
            createServer: createHttpsServer,
            serverOptions: { cert: opts.tls.cert, key: opts.tls.key },
          }
          : {}),
      }, (info) => {
        resolve({
          port: info.port,
          shutdown: () =>
            new Promise<void>((done) => {
              (server as Server).close(() => done());
              (server as Server).closeIdleConnections?.();
            }),
        });
      });
      server.once("error", (err) => reject(new ListenError(`${opts.hostname}:${opts.port}`, err)));
    });
  },
  peer(c: Context) {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    return incoming?.socket?.remoteAddress ?? "unknown";
  },
  onSignal(signal, handler) {
    process.on(signal, handler);
  },
  env: () => process.env,
  exit: (code) => process.exit(code),
};
