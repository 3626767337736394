/**
 * Plans: what to back up, from which hosts (one host, or every approved host with a tag), into
 * which repository, kept how long. Hooks are shell commands run on the hosts, so only an admin
 * may set, change or remove them; they are sealed at rest and shown only as set / not set.
 */
import type { Actor, AuditRecord } from "../audit/service.ts";
import { createAuditService } from "../audit/service.ts";
import type { AuditRepo } from "../audit/repo.ts";
import type { Clock } from "../clock.ts";
import type { CreatePlan, PlanPreview, PlanView, UpdatePlan } from "../contract/backups.ts";
import type { Hooks } from "../contract/jobs.ts";
import type { Role } from "../db/schema.ts";
import { AppError, NotFoundError } from "../errors.ts";
import { ConflictError } from "../errors.ts";
import { newId } from "../ids.ts";
import { invalid } from "../repositories/rules.ts";
import type { SecretBox } from "../secrets/box.ts";
import type { Redactor } from "../secrets/redact.ts";
import { planPreview } from "./preview.ts";
import type { Plan, PlanFields, PlanQueries, PlansRepo } from "./repo.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** Hooks with neither command are no hooks. */
function hooksOrNull(h: Hooks | null | undefined): Hooks | null {
  if (!h) return null;
  const out: Hooks = {};
  if (h.pre?.trim()) out.pre = h.pre;
  if (h.post?.trim()) out.post = h.post;
  return out.pre || out.post ? out : null;
}

export function createPlansService(deps: {
  repo: PlansRepo;
  secretBox: SecretBox;
  clock: Clock;
  redactor: Redactor;
}) {
  const { repo, clock, secretBox } = deps;
  const record = (audit: AuditRepo, actor: Actor, rec: AuditRecord) =>
    createAuditService({ repo: audit, clock, redactor: deps.redactor }).record(actor, rec);

  function hookFlags(sealed: string | null): { pre: boolean; post: boolean } {
    if (sealed === null) return { pre: false, post: false };
    const h = JSON.parse(secretBox.open(sealed)) as Hooks;
    return { pre: !!h.pre, post: !!h.post };
  }

  async function view(p: Plan): Promise<PlanView> {
    const { hooksSealed: _, createdBy: __, ...rest } = p;
    return {
      ...rest,
      hosts: await repo.hostsOf(p.target),
      hooks: hookFlags(p.hooksSealed),
      lastJob: p.lastJob && {
        id: p.lastJob.id,
        status: p.lastJob.status,
        finishedAt: p.lastJob.finishedAt === null ? null : iso(p.lastJob.finishedAt),
      },
      createdAt: iso(p.createdAt),
      updatedAt: iso(p.updatedAt),
    };
  }

  async function mustFind(id: string): Promise<Plan> {
    const p = await repo.findPlan(id);
    if (!p) throw new NotFoundError("Plan", id);
    return p;
  }

  function guardHooks(role: Role, input: { hooks?: unknown }) {
    if (input.hooks !== undefined && role !== "admin") {
      throw new AppError(403, "admin_only", "Only an admin may set, change or remove hooks");
    }
  }

  /** The rules that need the database: names, the repository, the target host. */
  async function checkRefs(tx: PlanQueries, p: PlanFields) {
    if (await tx.nameTaken(p.name, p.id)) {
      throw new ConflictError(`A plan is already named ${p.name}`, "name_taken");
    }
    const repository = await tx.findRepository(p.repositoryId);
    if (!repository) throw invalid("repositoryId", "names no repository");
    if (p.compression !== null && repository.engine !== "borg") {
      throw invalid("compression", "is for borg repositories only (restic compresses itself)");
    }
    if (p.target.type === "host") {
      const host = await tx.findHost(p.target.hostId);
      if (!host) throw invalid("target.hostId", "names no host");
      if (host.state !== "approved" && host.state !== "pending") {
        throw invalid("target.hostId", `names a ${host.state} host`);
      }
    }
  }

  function fieldsOf(id: string, input: CreatePlan, hooksSealed: string | null): PlanFields {
    return {
      id,
      name: input.name,
      repositoryId: input.repositoryId,
      target: input.target,
      sources: input.sources,
      excludes: input.excludes ?? [],
      excludeIfPresent: input.excludeIfPresent ?? [],
      oneFileSystem: input.oneFileSystem ?? false,
      compression: input.compression ?? null,
      tags: input.tags ?? [],
      limits: input.limits ?? {},
      retention: input.retention ?? {},
      hooksSealed,
      enabled: input.enabled ?? true,
    };
  }

  const seal = (h: Hooks | null) => (h ? secretBox.seal(JSON.stringify(h)) : null);

  return {
    async list(filter: { hostId?: string }): Promise<PlanView[]> {
      let plans: Plan[];
      if (filter.hostId === undefined) plans = await repo.listPlans();
      else {
        const host = await repo.findHost(filter.hostId);
        plans = host ? await repo.listPlans({ hostId: host.id, tags: host.tags }) : [];
      }
      return await Promise.all(plans.map(view));
    },
    get: async (id: string): Promise<PlanView> => view(await mustFind(id)),

    async create(actor: Actor, role: Role, input: CreatePlan): Promise<PlanView> {
      guardHooks(role, input);
      const now = clock.now();
      const hooks = hooksOrNull(input.hooks);
      const fields = fieldsOf(newId("pln", now), input, seal(hooks));
      await repo.transact(async (tx) => {
        await checkRefs(tx, fields);
        await tx.insertPlan(fields, actor.name, now);
        await record(tx.audit, actor, {
          action: "plan.created",
          target: { type: "plan", id: fields.id },
          details: {
            name: fields.name,
            repositoryId: fields.repositoryId,
            target: fields.target,
            hooksSet: hooks !== null,
          },
        });
      });
      return await view(await mustFind(fields.id));
    },

    async update(actor: Actor, role: Role, id: string, input: UpdatePlan): Promise<PlanView> {
      guardHooks(role, input);
      await repo.transact(async (tx) => {
        const cur = await tx.findPlan(id);
        if (!cur) throw new NotFoundError("Plan", id);
        const { repositoryName: _, engine: __, lastJob: ___, createdBy: ____, ...base } = cur;
        const hooksSealed = input.hooks !== undefined
          ? seal(hooksOrNull(input.hooks))
          : cur.hooksSealed;
        const defined = Object.fromEntries(
          Object.entries(input).filter(([, v]) => v !== undefined),
        );
        const next: PlanFields = { ...base, ...defined, id, hooksSealed } as PlanFields;
        await checkRefs(tx, next);
        await tx.replacePlan(next, clock.now());
        const changed = Object.keys(defined).map((k) => (k === "hooks" ? "hooks changed" : k));
        await record(tx.audit, actor, {
          action: "plan.updated",
          target: { type: "plan", id },
          details: { name: next.name, changed },
        });
      });
      return await view(await mustFind(id));
    },

    async remove(actor: Actor, id: string): Promise<void> {
      await repo.transact(async (tx) => {
        const p = await tx.findPlan(id);
        if (!p) throw new NotFoundError("Plan", id);
        await tx.deletePlan(id);
        await record(tx.audit, actor, {
          action: "plan.deleted",
          target: { type: "plan", id },
          details: { name: p.name, note: "Its jobs stay in the history, without the plan" },
        });
      });
    },

    async preview(id: string, hostId: string | undefined): Promise<PlanPreview> {
      const plan = await mustFind(id);
      const repository = await repo.findRepository(plan.repositoryId);
      if (!repository) throw new NotFoundError("Repository", plan.repositoryId);
      const hosts = await repo.hostsOf(plan.target);
      if (hostId !== undefined && !hosts.some((h) => h.id === hostId)) {
        throw invalid("hostId", "is not a host this plan targets now", "query");
      }
      const host = hostId ?? hosts[0]?.id ?? "HOST_ID";
      return planPreview(plan, repository, { hostId: host, now: clock.now() });
    },
  };
}

export type PlansService = ReturnType<typeof createPlansService>;
