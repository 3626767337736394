import { actorOf } from "../auth/principal.ts";
import { EmptySchema } from "../contract/api.ts";
import { JobLogQuerySchema, JobsQuerySchema, RunJobSchema } from "../contract/backups.ts";
import { NotFoundError } from "../errors.ts";
import { Reply, route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { JobsService } from "./service.ts";
import { jobStreamResponse } from "./sse.ts";

/** Job ids, the appliance's and those agents make for scheduled runs: job_ + a lower-case ULID. */
const JOB_ID = /^job_[0-9a-z]{26}$/;

/** Job ids come from the path: anything that is not one is simply not found. */
function jobId(raw: string): string {
  if (!JOB_ID.test(raw)) throw new NotFoundError("Job");
  return raw;
}

export function jobsRoutes(jobs: JobsService): Route[] {
  return [
    route({
      method: "POST",
      path: "/api/jobs",
      access: "operator",
      body: RunJobSchema,
      handle: async ({ body, principal, ip }) =>
        new Reply(201, { jobs: await jobs.run(actorOf(principal, ip), body) }),
    }),
    route({
      method: "GET",
      path: "/api/jobs",
      access: "viewer",
      query: JobsQuerySchema,
      handle: ({ query }) =>
        jobs.list({
          hostId: query.hostId,
          planId: query.planId,
          repositoryId: query.repositoryId,
          kind: query.kind,
          status: query.status,
          since: query.since === undefined ? undefined : Date.parse(query.since),
          until: query.until === undefined ? undefined : Date.parse(query.until),
          before: query.before,
          limit: query.limit,
        }),
    }),
    route({
      method: "GET",
      path: "/api/jobs/:id",
      access: "viewer",
      handle: async ({ param }) => await jobs.get(jobId(param("id"))),
    }),
    route({
      method: "GET",
      path: "/api/jobs/:id/log",
      access: "viewer",
      query: JobLogQuerySchema,
      handle: ({ param, query }) =>
        jobs.log(jobId(param("id")), { after: query.after, limit: query.limit }),
    }),
    route({
      method: "GET",
      path: "/api/jobs/:id/stream",
      access: "viewer",
      handle: ({ param }) => jobStreamResponse(jobs, jobId(param("id"))),
    }),
    route({
      method: "POST",
      path: "/api/jobs/:id/cancel",
      access: "operator",
      body: EmptySchema,
      handle: async ({ param, principal, ip }) =>
        await jobs.cancel(actorOf(principal, ip), jobId(param("id"))),
    }),
  ];
}
