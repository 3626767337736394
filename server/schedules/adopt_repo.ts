/** What adopting a fired run reads: the host's tags, the plan and its engine, the ids taken. */
import type { Engine } from "../contract/jobs.ts";
import type { Db } from "../db/connect.ts";

export interface AdoptRepo {
  host(id: string): Promise<{ tags: string[] } | undefined>;
  plan(id: string): Promise<
    | {
      repositoryId: string;
      targetHostId: string | null;
      targetTag: string | null;
      engine: Engine;
    }
    | undefined
  >;
  /** Which of these job ids exist, with their host and trigger. */
  jobs(ids: string[]): Promise<Map<string, { hostId: string; trigger: string }>>;
}

export function createAdoptRepo(db: Db): AdoptRepo {
  return {
    async host(id) {
      const r = await db.selectFrom("hosts").select("tags").where("id", "=", id).executeTakeFirst();
      return r && { tags: JSON.parse(r.tags) as string[] };
    },
    async plan(id) {
      const r = await db.selectFrom("plans")
        .innerJoin("repositories", "repositories.id", "plans.repository_id")
        .select([
          "plans.repository_id",
          "plans.target_host_id",
          "plans.target_tag",
          "repositories.engine",
        ])
        .where("plans.id", "=", id).executeTakeFirst();
      return r && {
        repositoryId: r.repository_id,
        targetHostId: r.target_host_id,
        targetTag: r.target_tag,
        engine: r.engine,
      };
    },
    async jobs(ids) {
      if (ids.length === 0) return new Map();
      const rows = await db.selectFrom("jobs").select(["id", "host_id", "trigger"])
        .where("id", "in", ids).execute();
      return new Map(rows.map((r) => [r.id, { hostId: r.host_id, trigger: r.trigger }]));
    },
  };
}
