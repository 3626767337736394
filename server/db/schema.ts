/**
 * The typed picture of the database that Kysely checks every query against. Column names are
 * snake_case as in SQL; repos map rows to camelCase domain types in one place each.
 */
import type { Generated } from "kysely";
import type { AgentTables } from "./schema_agents.ts";
import type { AlertTables } from "./schema_alerts.ts";
import type { BackupTables } from "./schema_backups.ts";
import type { DrillTables } from "./schema_drills.ts";
import type { NotifyTables } from "./schema_notify.ts";
import type { RestoreTables } from "./schema_restores.ts";
import type { ScheduleTables } from "./schema_schedules.ts";
import type { SnapshotIndexTables } from "./schema_snapshot_index.ts";

export type Role = "admin" | "operator" | "viewer";

export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
  disabled: number;
  created_at: number;
  updated_at: number;
  password_changed_at: number;
  last_login_at: number | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  ip: string;
  user_agent: string;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  token_hash: string;
  prefix: string;
  role: Role;
  created_by: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface AuditLogTable {
  id: string;
  at: number;
  actor_type: string;
  actor_id: string | null;
  actor_name: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  details: Generated<string>;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface AuthFailuresTable {
  key: string;
  failures: number;
  first_at: number;
  locked_until: number | null;
}

export interface SchemaMigrationsTable {
  name: string;
  checksum: string;
  applied_at: number;
}

export interface Database
  extends
    AgentTables,
    AlertTables,
    SnapshotIndexTables,
    BackupTables,
    RestoreTables,
    DrillTables,
    NotifyTables,
    ScheduleTables {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  settings: SettingsTable;
  auth_failures: AuthFailuresTable;
  schema_migrations: SchemaMigrationsTable;
}
