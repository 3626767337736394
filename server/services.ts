/** Wires repos to services. The one place that knows which service needs which repo. */
import { createAuditRepo } from "./audit/repo.ts";
import { createAuditService } from "./audit/service.ts";
import { createLockout } from "./auth/lockout.ts";
import { createAuthRepo } from "./auth/repo.ts";
import { createAuthService } from "./auth/service.ts";
import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import { createDashboardService } from "./dashboard/service.ts";
import type { Db } from "./db/connect.ts";
import type { Redactor } from "./secrets/redact.ts";
import { createSettingsRepo } from "./settings/repo.ts";
import { createSettingsService } from "./settings/service.ts";
import type { ApplianceFacts } from "./settings/service.ts";
import { createTokensRepo } from "./tokens/repo.ts";
import { createTokensService } from "./tokens/service.ts";
import { createUsersRepo } from "./users/repo.ts";
import { createUsersService } from "./users/service.ts";

export function createServices(deps: {
  db: Db;
  clock: Clock;
  redactor: Redactor;
  config: Pick<Config, "sessionIdleMinutes" | "sessionAbsoluteHours">;
  facts: ApplianceFacts;
}) {
  const { db, clock, redactor } = deps;
  const usersRepo = createUsersRepo(db);
  const authRepo = createAuthRepo(db);
  const audit = createAuditService({ repo: createAuditRepo(db), clock, redactor });
  const lockout = createLockout(authRepo, clock);
  const auth = createAuthService({
    repo: authRepo,
    users: usersRepo,
    audit,
    lockout,
    clock,
    policy: {
      idleMs: deps.config.sessionIdleMinutes * 60_000,
      absoluteMs: deps.config.sessionAbsoluteHours * 3600_000,
    },
  });
  const users = createUsersService({ repo: usersRepo, sessions: authRepo, audit, clock });
  const tokens = createTokensService({ repo: createTokensRepo(db), audit, clock });
  const settings = createSettingsService({
    repo: createSettingsRepo(db),
    audit,
    clock,
    facts: deps.facts,
  });
  const dashboard = createDashboardService({
    users: usersRepo,
    audit,
    settings,
    clock,
    dbFile: deps.facts.dbFile,
    startedAt: deps.facts.startedAt,
  });
  return { audit, lockout, auth, users, tokens, settings, dashboard };
}

export type Services = ReturnType<typeof createServices>;
