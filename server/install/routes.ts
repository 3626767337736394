import * as v from "valibot";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import { ARCHES } from "./bundle.ts";
import type { InstallService } from "./service.ts";

const ArchQuerySchema = v.strictObject({
  arch: v.picklist(Object.keys(ARCHES), `must be one of ${Object.keys(ARCHES).join(", ")}`),
});

export function installRoutes(install: InstallService): Route[] {
  return [
    route({
      method: "GET",
      path: "/install/agent.sh",
      access: "public",
      handle: async () =>
        new Response(await install.script(), {
          headers: {
            "content-type": "text/x-shellscript; charset=utf-8",
            "cache-control": "no-store",
          },
        }),
    }),
    route({
      method: "GET",
      path: "/install/agent.tar.gz",
      access: "public",
      query: ArchQuerySchema,
      async handle({ query }) {
        const b = await install.bundle(query.arch);
        const body = Readable.toWeb(createReadStream(b.file)) as ReadableStream<Uint8Array>;
        return new Response(body, {
          headers: {
            "content-type": "application/gzip",
            "content-length": String(b.bytes),
            "x-cairn-sha256": b.sha256,
            "cache-control": "no-store",
          },
        });
      },
    }),
    route({
      method: "GET",
      path: "/install/agent.sha256",
      access: "public",
      query: ArchQuerySchema,
      handle: async ({ query }) =>
        new Response(`${(await install.bundle(query.arch)).sha256}\n`, {
          headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
        }),
    }),
  ];
}
