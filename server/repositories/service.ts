/**
 * Repositories: where backups go, with the passphrase and backend credentials sealed at rest.
 * A passphrase Cairn mints is answered once, in the create answer; after that only "set" flags.
 * Deleting forgets the repository in Cairn; its data on the backend is never touched.
 */
import type { Actor, AuditRecord } from "../audit/service.ts";
import { createAuditService } from "../audit/service.ts";
import type { AuditRepo } from "../audit/repo.ts";
import type { Clock } from "../clock.ts";
import type {
  CreatedRepository,
  CreateRepository,
  RepositoryView,
  UpdateRepository,
} from "../contract/backups.ts";
import type { Engine, RepositoryLocation } from "../contract/jobs.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { newId } from "../ids.ts";
import type { SecretBox } from "../secrets/box.ts";
import type { Redactor } from "../secrets/redact.ts";
import type { RepositoriesRepo, RepositoryPatch, RepositoryQueries } from "./repo.ts";
import { checkRepositoryShape, credentialsOrNull, invalid, mintPassphrase } from "./rules.ts";
import { locationDisplay } from "./tool_location.ts";
import { repositoryView } from "./view.ts";

export function createRepositoriesService(deps: {
  repo: RepositoriesRepo;
  secretBox: SecretBox;
  clock: Clock;
  redactor: Redactor;
}) {
  const { repo, clock, secretBox } = deps;
  const record = (audit: AuditRepo, actor: Actor, rec: AuditRecord) =>
    createAuditService({ repo: audit, clock, redactor: deps.redactor }).record(actor, rec);

  async function mustFind(id: string) {
    const r = await repo.findRepository(id);
    if (!r) throw new NotFoundError("Repository", id);
    return r;
  }

  async function checkRefs(
    tx: RepositoryQueries,
    name: string,
    sshKeyId: string | null,
    id?: string,
  ) {
    if (await tx.nameTaken(name, id)) {
      throw new ConflictError(`A repository is already named ${name}`, "name_taken");
    }
    if (sshKeyId !== null && !(await tx.sshKeyExists(sshKeyId))) {
      throw invalid("sshKeyId", "names no SSH key");
    }
  }

  return {
    list: async (): Promise<RepositoryView[]> =>
      (await repo.listRepositories()).map(repositoryView),
    get: async (id: string): Promise<RepositoryView> => repositoryView(await mustFind(id)),

    /** For the authorized_keys line and the plan preview: no secret in it. */
    async findRepositoryTarget(id: string) {
      const r = await repo.findRepository(id);
      return r && { name: r.name, engine: r.engine, location: r.location };
    },

    async create(actor: Actor, input: CreateRepository): Promise<CreatedRepository> {
      const credentials = credentialsOrNull(input.credentials);
      const sshKeyId = input.sshKeyId ?? null;
      const knownHosts = input.knownHosts ?? null;
      checkRepositoryShape({ ...input, sshKeyId, knownHosts, credentials });
      const minted = input.passphrase ? null : mintPassphrase();
      const now = clock.now();
      const id = newId("rep", now);
      await repo.transact(async (tx) => {
        await checkRefs(tx, input.name, sshKeyId);
        await tx.insertRepository({
          id,
          name: input.name,
          engine: input.engine,
          location: input.location,
          passphraseSealed: secretBox.seal(minted ?? input.passphrase!),
          credentialsSealed: credentials ? secretBox.seal(JSON.stringify(credentials)) : null,
          sshKeyId,
          knownHosts,
          createdBy: actor.name,
          now,
        });
        await record(tx.audit, actor, {
          action: "repository.created",
          target: { type: "repository", id },
          details: {
            name: input.name,
            engine: input.engine,
            location: locationDisplay(input.engine, input.location),
            minted: minted !== null,
          },
        });
      });
      const repository = repositoryView(await mustFind(id));
      return minted ? { repository, passphrase: minted } : { repository };
    },

    async update(actor: Actor, id: string, input: UpdateRepository): Promise<RepositoryView> {
      await repo.transact(async (tx) => {
        const cur = await tx.findRepository(id);
        if (!cur) throw new NotFoundError("Repository", id);
        const next = merged(cur, input);
        checkRepositoryShape(next);
        await checkRefs(tx, next.name, next.sshKeyId, id);
        const patch: RepositoryPatch = { now: clock.now() };
        if (input.name !== undefined) patch.name = input.name;
        if (input.location !== undefined) patch.location = input.location;
        if (input.passphrase !== undefined) {
          patch.passphraseSealed = secretBox.seal(input.passphrase);
        }
        const kindChanged = next.location.kind !== cur.location.kind;
        if (input.credentials !== undefined || kindChanged) {
          // Credentials of another backend kind would not fit: a new kind starts without any.
          const c = next.credentials;
          patch.credentialsSealed = c ? secretBox.seal(JSON.stringify(c)) : null;
        }
        if (input.sshKeyId !== undefined) patch.sshKeyId = input.sshKeyId;
        if (input.knownHosts !== undefined) patch.knownHosts = input.knownHosts;
        else if (kindChanged && next.sshKeyId === null) patch.knownHosts = null;
        await tx.updateRepository(id, patch);
        await record(tx.audit, actor, {
          action: "repository.updated",
          target: { type: "repository", id },
          details: {
            name: next.name,
            changed: Object.keys(input).filter((k) =>
              input[k as keyof UpdateRepository] !== undefined
            )
              .map((k) => k === "passphrase" ? "passphrase changed" : k),
            ...(input.location ? { location: locationDisplay(cur.engine, input.location) } : {}),
          },
        });
      });
      return repositoryView(await mustFind(id));
    },

    async remove(actor: Actor, id: string): Promise<void> {
      await repo.transact(async (tx) => {
        const r = await tx.findRepository(id);
        if (!r) throw new NotFoundError("Repository", id);
        if (r.plans.length > 0) {
          throw new ConflictError(
            `Plans use this repository (${r.plans.map((p) => p.name).join(", ")}): ` +
              "delete or move them first",
            "repository_in_use",
          );
        }
        if (r.activeJobId !== null) {
          throw new ConflictError(
            `A job is queued or running on this repository: ${r.activeJobId}`,
            "repository_busy",
          );
        }
        await tx.deleteRepository(id);
        await record(tx.audit, actor, {
          action: "repository.deleted",
          target: { type: "repository", id },
          details: {
            name: r.name,
            location: locationDisplay(r.engine, r.location),
            note: "Forgotten in Cairn only; the data in the repository was not touched",
          },
        });
      });
    },
  };
}

function merged(
  cur: { name: string; engine: Engine; location: RepositoryLocation; sshKeyId: string | null },
  input: UpdateRepository,
) {
  return {
    name: input.name ?? cur.name,
    engine: cur.engine,
    location: input.location ?? cur.location,
    sshKeyId: input.sshKeyId !== undefined ? input.sshKeyId : cur.sshKeyId,
    // The stored known_hosts text is not read back; only a new value needs checking.
    knownHosts: input.knownHosts ?? null,
    credentials: input.credentials !== undefined ? credentialsOrNull(input.credentials) : null,
  };
}

export type RepositoriesService = ReturnType<typeof createRepositoriesService>;
