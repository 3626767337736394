/**
 * SSH keys for repositories reached over SSH: generated on the appliance (Ed25519) or imported.
 * The private key and its passphrase are sealed at rest and never answered; the views carry the
 * public line, the fingerprint and which repositories use the key.
 */
import type { Actor } from "../audit/service.ts";
import { createAuditService } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import type { AuthorizedKeysView, CreateSshKey, SshKeyView } from "../contract/backups.ts";
import type { Engine, RepositoryLocation } from "../contract/jobs.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { newId } from "../ids.ts";
import type { SecretBox } from "../secrets/box.ts";
import type { Redactor } from "../secrets/redact.ts";
import { authorizedKeysLine } from "./authorized_keys.ts";
import { generateEd25519, importPrivateKey } from "./key_material.ts";
import type { KeyMaterial } from "./key_material.ts";
import type { SshKey, SshKeysRepo } from "./repo.ts";

const iso = (ms: number) => new Date(ms).toISOString();

export function sshKeyView(k: SshKey): SshKeyView {
  return {
    id: k.id,
    name: k.name,
    algorithm: k.algorithm,
    publicKey: k.publicKey,
    fingerprint: k.fingerprint,
    hasPassphrase: k.hasPassphrase,
    origin: k.origin,
    usedBy: k.usedBy,
    createdAt: iso(k.createdAt),
  };
}

/** What the authorized_keys line needs to know of a repository. */
export interface RepositoryLookup {
  findRepositoryTarget(
    id: string,
  ): Promise<{ name: string; engine: Engine; location: RepositoryLocation } | undefined>;
}

export function createSshKeysService(deps: {
  repo: SshKeysRepo;
  repositories: RepositoryLookup;
  secretBox: SecretBox;
  clock: Clock;
  redactor: Redactor;
}) {
  const { repo, clock } = deps;

  async function mustFind(id: string): Promise<SshKey> {
    const k = await repo.findKey(id);
    if (!k) throw new NotFoundError("SSH key", id);
    return k;
  }

  function material(input: CreateSshKey): KeyMaterial {
    if (input.mode === "generate") {
      return generateEd25519(`cairn-${input.name.replace(/\s+/g, "-")}`);
    }
    return importPrivateKey(input.privateKey, input.passphrase);
  }

  return {
    list: async (): Promise<SshKeyView[]> => (await repo.listKeys()).map(sshKeyView),
    get: async (id: string): Promise<SshKeyView> => sshKeyView(await mustFind(id)),

    async create(actor: Actor, input: CreateSshKey): Promise<SshKeyView> {
      const m = material(input);
      const now = clock.now();
      const id = newId("key", now);
      await repo.transact(async (tx) => {
        if (await tx.nameTaken(input.name)) {
          throw new ConflictError(`An SSH key is already named ${input.name}`, "name_taken");
        }
        await tx.insertKey({
          id,
          name: input.name,
          algorithm: m.algorithm,
          publicKey: m.publicKey,
          fingerprint: m.fingerprint,
          privateKeySealed: deps.secretBox.seal(m.privateKey),
          passphraseSealed: m.passphrase === null ? null : deps.secretBox.seal(m.passphrase),
          origin: input.mode === "generate" ? "generated" : "imported",
          createdBy: actor.name,
          createdAt: now,
        });
        await createAuditService({ repo: tx.audit, clock, redactor: deps.redactor }).record(actor, {
          action: input.mode === "generate" ? "ssh_key.generated" : "ssh_key.imported",
          target: { type: "ssh_key", id },
          details: { name: input.name, algorithm: m.algorithm, fingerprint: m.fingerprint },
        });
      });
      return sshKeyView(await mustFind(id));
    },

    async remove(actor: Actor, id: string): Promise<void> {
      await repo.transact(async (tx) => {
        const k = await tx.findKey(id);
        if (!k) throw new NotFoundError("SSH key", id);
        if (k.usedBy.length > 0) {
          throw new ConflictError(
            `The key is used by ${k.usedBy.map((r) => r.name).join(", ")}: ` +
              "change those repositories first",
            "ssh_key_in_use",
          );
        }
        await tx.deleteKey(id);
        await createAuditService({ repo: tx.audit, clock, redactor: deps.redactor }).record(actor, {
          action: "ssh_key.deleted",
          target: { type: "ssh_key", id },
          details: { name: k.name, fingerprint: k.fingerprint },
        });
      });
    },

    async authorizedKeys(
      id: string,
      query: { repositoryId?: string; appendOnly?: "true" | "false" },
    ): Promise<AuthorizedKeysView> {
      const k = await mustFind(id);
      let target = null;
      if (query.repositoryId !== undefined) {
        target = await deps.repositories.findRepositoryTarget(query.repositoryId) ?? null;
        if (!target) throw new NotFoundError("Repository", query.repositoryId);
      }
      return authorizedKeysLine(k.publicKey, target, query.appendOnly === "true");
    },
  };
}

export type SshKeysService = ReturnType<typeof createSshKeysService>;
