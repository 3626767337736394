/**
 * Sealed secrets on the agent's disk: each one stays exactly as the appliance sealed and signed
 * it (`secrets/<name>.json`, mode 0600). It is checked and opened only when a job needs it, and
 * the plain value lives in memory for that use only. Secrets inside a job spec are opened the
 * same way (`openSealedSecret`) without being stored.
 */
import { join } from "node:path";
import { SealedSecretSchema } from "../server/contract/agent.ts";
import type { SealedSecret } from "../server/contract/agent.ts";
import { fromBase64 } from "../server/contract/agent_crypto.ts";
import type { AgentIdentity } from "./identity.ts";
import { ensureStateDir, readJson, writeJsonAtomic } from "./state_files.ts";
import { checkSealedSecret, UntrustedCommandError } from "./trust.ts";
import type { PinnedAppliance } from "./trust.ts";

export function createSecretStore(
  opts: { stateDir: string; identity: AgentIdentity; pinned: PinnedAppliance },
) {
  const dir = join(opts.stateDir, "secrets");
  const pathOf = (name: string) => join(dir, `${name}.json`);
  return {
    /** Checks the signature and stores the secret, still sealed. */
    async put(raw: unknown): Promise<SealedSecret> {
      const s = await checkSealedSecret(raw, opts.pinned, opts.identity);
      await ensureStateDir(dir);
      await writeJsonAtomic(pathOf(s.name), s);
      return s;
    },
    /** The plain value, or null when no such secret was stored. */
    async open(name: string): Promise<string | null> {
      if (!/^[a-z0-9][a-z0-9_.-]{0,63}$/.test(name)) return null;
      const stored = await readJson(pathOf(name), SealedSecretSchema);
      if (!stored) return null;
      return await openSealedSecret(stored, opts);
    },
  };
}

/**
 * Checks and opens a sealed secret that came inline (a job spec's passphrase, key, hooks):
 * the plain value is returned to the caller's memory and never stored.
 */
export async function openSealedSecret(
  raw: unknown,
  opts: { identity: AgentIdentity; pinned: PinnedAppliance },
): Promise<string> {
  const s = await checkSealedSecret(raw, opts.pinned, opts.identity);
  const plain = await opts.identity.openBox(
    fromBase64(s.box) ?? new Uint8Array(),
    fromBase64(s.nonce)!,
    fromBase64(s.ephemeralKey)!,
  );
  if (!plain) {
    throw new UntrustedCommandError(
      `The sealed secret ${s.name} does not open with this agent's key`,
    );
  }
  return new TextDecoder().decode(plain);
}

export type SecretStore = ReturnType<typeof createSecretStore>;
