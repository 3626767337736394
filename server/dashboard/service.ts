/** The figures the dashboard leads with. Hosts and jobs join as their domains arrive. */
import type { AuditService } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import type { DashboardView } from "../contract/api.ts";
import type { HostCounts } from "../contract/hosts.ts";
import type { SettingsService } from "../settings/service.ts";
import { databaseBytes } from "../settings/service.ts";
import type { UsersRepo } from "../users/repo.ts";

export function createDashboardService(
  deps: {
    hosts?: { counts(): Promise<HostCounts> };
    users: UsersRepo;
    audit: AuditService;
    settings: SettingsService;
    clock: Clock;
    dbFile: string;
    startedAt: number;
  },
) {
  // The file size is a figure to glance at, not to poll: two stat calls per dashboard read cost
  // more than its queries, so it is refreshed at most every few seconds.
  let bytesCache = { at: -Infinity, bytes: 0 };
  const cachedDatabaseBytes = async (now: number) => {
    if (now - bytesCache.at > 5_000) {
      bytesCache = { at: now, bytes: await databaseBytes(deps.dbFile) };
    }
    return bytesCache.bytes;
  };
  return {
    async view(): Promise<DashboardView> {
      const now = deps.clock.now();
      const [users, audit24h, bytes, settings] = await Promise.all([
        deps.users.countUsers(),
        deps.audit.countSince(now - 24 * 3600_000),
        cachedDatabaseBytes(now),
        deps.settings.values(),
      ]);
      return {
        generatedAt: new Date(now).toISOString(),
        applianceName: settings.applianceName,
        hosts: await hostFigures(deps.hosts),
        jobs: { running: 0, failed24h: 0, succeeded24h: 0 },
        users,
        auditEvents24h: audit24h,
        databaseBytes: bytes,
        uptimeSeconds: Math.floor((now - deps.startedAt) / 1000),
      };
    },
  };
}

export type DashboardService = ReturnType<typeof createDashboardService>;

async function hostFigures(hosts?: { counts(): Promise<HostCounts> }) {
  if (!hosts) return { total: 0, online: 0, offline: 0, pending: 0 };
  const c = await hosts.counts();
  // Degraded hosts are reachable; the dashboard counts them as online and lists them as hosts.
  return { total: c.total, online: c.online + c.degraded, offline: c.offline, pending: c.pending };
}
