import { actorOf } from "../auth/principal.ts";
import {
  BrowseQuerySchema,
  DiffQuerySchema,
  IndexRequestSchema,
  IndexSnapshotsQuerySchema,
  LISTING_BODY_LIMIT,
  LISTING_FORMAT_HEADER,
  LISTING_FORMATS,
  SearchQuerySchema,
} from "../contract/index_api.ts";
import type { IndexQueuedView, ListingFormat } from "../contract/index_api.ts";
import { BadRequestError, PayloadTooLargeError } from "../errors.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import { linesOf } from "./lines.ts";
import type { IndexApiService } from "./service.ts";

const JOB_ID = /^job_[0-9a-z]{26}$/;

/** The body as it arrives, cut off with a 413 past the limit. */
function limited(body: ReadableStream<Uint8Array>, limit: number): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        seen += chunk.length;
        if (seen > limit) throw new PayloadTooLargeError(limit);
        out.enqueue(chunk);
      },
    }),
  );
}

export function indexRoutes(index: IndexApiService): Route[] {
  return [
    route({
      method: "POST",
      path: "/api/index",
      access: "operator",
      body: IndexRequestSchema,
      async handle({ body, principal, ip }): Promise<Reply> {
        const view: IndexQueuedView = { jobs: await index.queue(actorOf(principal, ip), body) };
        return new Reply(202, view);
      },
    }),
    route({
      method: "GET",
      path: "/api/index/snapshots",
      access: "viewer",
      query: IndexSnapshotsQuerySchema,
      handle: async ({ query }) => ({ snapshots: await index.listSnapshots(query) }),
    }),
    route({
      method: "GET",
      path: "/api/index/browse",
      access: "viewer",
      query: BrowseQuerySchema,
      handle: ({ query }) => index.browse(query),
    }),
    route({
      method: "GET",
      path: "/api/index/search",
      access: "viewer",
      query: SearchQuerySchema,
      handle({ query, principal }) {
        if (principal?.role !== "admin" && !query.hostId && !query.repositoryId) {
          throw new BadRequestError(
            "Give a hostId or a repositoryId: only admins search the fleet",
          );
        }
        return index.search(query);
      },
    }),
    route({
      method: "GET",
      path: "/api/index/diff",
      access: "viewer",
      query: DiffQuerySchema,
      handle: ({ query }) => index.diff(query),
    }),
  ];
}

/** `POST /api/agent/v1/jobs/:jobId/listing`: an index job's listing, streamed. */
export function indexAgentRoutes(index: IndexApiService): Route[] {
  return [
    route({
      method: "POST",
      path: "/api/agent/v1/jobs/:jobId/listing",
      access: "agent",
      bodyLimit: LISTING_BODY_LIMIT,
      handle({ agent, param, c }) {
        const jobId = param("jobId");
        if (!JOB_ID.test(jobId)) throw new BadRequestError("The job id is not valid");
        const format = c.req.header(LISTING_FORMAT_HEADER) ?? "";
        if (!(LISTING_FORMATS as readonly string[]).includes(format)) {
          throw new BadRequestError(`The ${LISTING_FORMAT_HEADER} header must be restic or borg`);
        }
        const body = c.req.raw.body;
        if (!body) throw new BadRequestError("The listing is empty");
        return index.ingestUpload({
          hostId: agent!.hostId,
          jobId,
          format: format as ListingFormat,
          lines: linesOf(limited(body, LISTING_BODY_LIMIT))[Symbol.asyncIterator](),
        });
      },
    }),
  ];
}
