/**
 * The appliances this agent may talk to: the one it enrolled with and, when that one is half of a
 * replicated pair, its peer (docs/replication.md). The peer is pinned only from a hello whose
 * signature over it verifies against a key already pinned, so nothing on the network can add an
 * appliance. When the current appliance cannot be reached or answers as a standby, the agent
 * moves to the other one: `enrollment` is changed in place (every part of the agent reads it)
 * and saved, and the outbox keeps every report until an appliance acknowledges it.
 */
import * as v from "valibot";
import { join } from "node:path";
import { helloPeerFields, SIGN_CONTEXT } from "../server/contract/agent.ts";
import type { HelloResponse } from "../server/contract/agent.ts";
import { verifySignature } from "../server/contract/agent_crypto.ts";
import type { Enrollment } from "./enrollment.ts";
import { saveEnrollment } from "./enrollment.ts";
import type { LogFn } from "./log.ts";
import { readJson, writeJsonAtomic } from "./state_files.ts";
import type { PinnedAppliance } from "./trust.ts";

export const APPLIANCES_FILE = "appliances.json";

const KnownSchema = v.object({
  server: v.pipe(v.string(), v.url()),
  applianceId: v.string(),
  appliancePublicKey: v.string(),
  applianceFingerprint: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
});
type Known = v.InferOutput<typeof KnownSchema>;
const FileSchema = v.object({ version: v.literal(1), appliances: v.array(KnownSchema) });

const pick = (e: Known): Known => ({
  server: e.server,
  applianceId: e.applianceId,
  appliancePublicKey: e.appliancePublicKey,
  applianceFingerprint: e.applianceFingerprint,
});

export async function createApplianceSet(
  opts: { stateDir: string; enrollment: Enrollment; log: LogFn },
) {
  const file = join(opts.stateDir, APPLIANCES_FILE);
  const { enrollment } = opts;
  const stored = await readJson(file, FileSchema);
  const known = new Map<string, Known>();
  for (const a of stored?.appliances ?? []) known.set(a.applianceId, a);
  known.set(enrollment.applianceId, pick(enrollment));
  const save = () =>
    writeJsonAtomic(file, { version: 1, appliances: [...known.values()] }).catch((err) =>
      opts.log("warn", "cannot save the known appliances", { error: err })
    );

  return {
    /** Every pinned appliance (sealed secrets made by either one stay good). */
    pinned(): PinnedAppliance[] {
      return [...known.values()];
    },
    /** Pins the peers a hello vouches for with the current appliance's signature. */
    async learn(hello: HelloResponse): Promise<void> {
      let added = false;
      // Only a hello from the pinned key can vouch (its signature is checked against that key).
      const vouched = hello.appliancePublicKey === enrollment.appliancePublicKey;
      for (const peer of vouched ? hello.peers ?? [] : []) {
        const { signature, ...unsigned } = peer;
        const ok = await verifySignature(enrollment.appliancePublicKey, signature, {
          context: SIGN_CONTEXT.peer,
          fields: helloPeerFields(enrollment.applianceId, unsigned),
        });
        if (!ok) {
          opts.log("warn", "a peer appliance in the hello is not vouched for by the pinned key");
          continue;
        }
        const next = pick({ ...unsigned, server: peer.url });
        const prev = known.get(peer.applianceId);
        if (prev && JSON.stringify(pick(prev)) === JSON.stringify(next)) continue;
        known.set(peer.applianceId, next);
        added = true;
      }
      known.set(enrollment.applianceId, pick(enrollment));
      if (added) {
        opts.log("info", "peer appliance pinned", { appliances: known.size });
        await save();
      }
    },
    /**
     * Moves away from appliance `from` to the other one; true when moved, or when already moved
     * away from it (several loops notice the same failure); false when there is no other.
     */
    async failover(reason: string, from: string): Promise<boolean> {
      if (enrollment.applianceId !== from) return true;
      const other = [...known.values()].find((a) => a.applianceId !== enrollment.applianceId);
      if (!other) return false;
      opts.log("warn", "moving to the other appliance", {
        from: enrollment.server,
        to: other.server,
        reason,
      });
      Object.assign(enrollment, pick(other));
      await saveEnrollment(opts.stateDir, enrollment).catch((err) =>
        opts.log("warn", "cannot save the enrollment", { error: err })
      );
      return true;
    },
  };
}

export type ApplianceSet = Awaited<ReturnType<typeof createApplianceSet>>;
