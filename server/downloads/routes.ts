import * as v from "valibot";
import { actorOf } from "../auth/principal.ts";
import {
  downloadFileName,
  type DownloadFormat,
  DownloadQuerySchema,
  PreviewQuerySchema,
  StreamIdSchema,
} from "../contract/downloads.ts";
import { BadRequestError, ConflictError } from "../errors.ts";
import { route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { DownloadsService } from "./service.ts";

const TYPES: Record<DownloadFormat, string> = {
  raw: "application/octet-stream",
  tar: "application/x-tar",
  zip: "application/zip",
};

/** The header an agent announces a file's size in, before its bytes. */
export const FILE_SIZE_HEADER = "x-cairn-file-size";

function disposition(path: string, format: DownloadFormat): string {
  const name = downloadFileName(path, format);
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/[%;]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function downloadsRoutes(downloads: DownloadsService): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/downloads",
      access: "viewer",
      query: DownloadQuerySchema,
      handle: async ({ query, principal, ip }) => {
        const d = await downloads.open(actorOf(principal, ip), query);
        const headers: Record<string, string> = {
          "content-type": TYPES[query.format],
          "content-disposition": disposition(query.path, query.format),
          "cache-control": "no-store",
        };
        if (query.format === "raw" && d.size !== null) headers["content-length"] = String(d.size);
        return new Response(d.stream, { status: 200, headers });
      },
    }),
    route({
      method: "GET",
      path: "/api/preview",
      access: "viewer",
      query: PreviewQuerySchema,
      handle: ({ query, principal, ip }) => downloads.preview(actorOf(principal, ip), query),
    }),
    route({
      method: "POST",
      path: "/api/agent/v1/streams/:streamId",
      access: "agent",
      handle: async ({ param, agent, c }) => {
        const streamId = param("streamId");
        if (!v.is(StreamIdSchema, streamId)) throw new BadRequestError("Not a stream id");
        const body = c.req.raw.body;
        if (!body) throw new BadRequestError("The upload needs a body");
        const declared = c.req.header(FILE_SIZE_HEADER);
        const size = declared !== undefined && /^\d{1,16}$/.test(declared)
          ? Number(declared)
          : null;
        const end = await downloads.acceptUpload(agent!.hostId, streamId, { body, size });
        if (!end.complete) {
          throw new ConflictError("The download ended before the upload did", "stream_gone");
        }
        return { bytes: end.bytes };
      },
    }),
  ];
}
