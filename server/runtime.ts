/**
 * The runtime seam: the few things Deno and Node do differently (serving, the peer address,
 * signals). main.ts passes the Deno implementation, main_node.ts the Node one.
 */
import type { Context } from "hono";

export interface ServeOptions {
  hostname: string;
  port: number;
  tls?: { cert: string; key: string };
  fetch(req: Request, env?: unknown): Response | Promise<Response>;
}

export interface RunningServer {
  port: number;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  shutdown(): Promise<void>;
}

export interface Runtime {
  name: string;
  serve(opts: ServeOptions): Promise<RunningServer>;
  peer(c: Context): string;
  onSignal(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
  env(): Record<string, string | undefined>;
  exit(code: number): never;
}

/** The listening socket could not be opened (address in use, no permission, bad address). */
export class ListenError extends Error {
  constructor(address: string, cause: unknown) {
    super(`cannot listen on ${address}: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = "ListenError";
  }
}
