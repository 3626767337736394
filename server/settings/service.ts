/** Appliance settings and facts: editable values live in the settings table; the rest is read live. */
import { stat } from "node:fs/promises";
import type { Actor, AuditService } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import type { SettingsView } from "../contract/api.ts";
import type { SettingsRepo } from "./repo.ts";

export interface TlsFacts {
  enabled: boolean;
  caCertPem: string | null;
  caFingerprint: string | null;
  hostnames: string[];
}

export interface ApplianceFacts {
  version: string;
  runtime: string;
  dataDir: string;
  dbFile: string;
  startedAt: number;
  tls: TlsFacts;
}

export async function databaseBytes(dbFile: string): Promise<number> {
  let total = 0;
  for (const f of [dbFile, `${dbFile}-wal`]) {
    try {
      total += (await stat(f)).size;
    } catch {
      // no WAL file yet: it counts as zero
    }
  }
  return total;
}

const DEFAULTS = { applianceName: "Cairn" };

export function createSettingsService(
  deps: { repo: SettingsRepo; audit: AuditService; clock: Clock; facts: ApplianceFacts },
) {
  const values = async () =>
    ({ ...DEFAULTS, ...(await deps.repo.readSettings()) }) as typeof DEFAULTS;
  return {
    values,
    async view(): Promise<SettingsView> {
      const v = await values();
      const f = deps.facts;
      return {
        applianceName: v.applianceName,
        version: f.version,
        runtime: f.runtime,
        dataDir: f.dataDir,
        databaseBytes: await databaseBytes(f.dbFile),
        startedAt: new Date(f.startedAt).toISOString(),
        tls: {
          enabled: f.tls.enabled,
          caAvailable: f.tls.caCertPem !== null,
          caFingerprint: f.tls.caFingerprint,
          hostnames: f.tls.hostnames,
        },
      };
    },
    async update(actor: Actor, patch: Partial<typeof DEFAULTS>): Promise<SettingsView> {
      const clean = Object.fromEntries(Object.entries(patch).filter(([, x]) => x !== undefined));
      if (Object.keys(clean).length > 0) {
        await deps.repo.writeSettings(clean, deps.clock.now());
        await deps.audit.record(actor, { action: "settings.update", details: clean });
      }
      return this.view();
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
