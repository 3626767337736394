/** The tables of migrations/0002_agents.sql, as Kysely sees them (see schema.ts). */

export type HostState = "pending" | "approved" | "rejected" | "revoked";

export interface HostsTable {
  id: string;
  name: string;
  public_key: string;
  box_public_key: string;
  fingerprint: string;
  state: HostState;
  tags: string;
  facts: string;
  lock_ip: string | null;
  enrolled_ip: string;
  protocol_version: number;
  created_at: number;
  updated_at: number;
  decided_at: number | null;
  decided_by: string | null;
  /**
   * JSON array of absolute paths (migration 0005; SQL default '[]' = the default restore root).
   * Optional here so the hosts repo, which never writes it, keeps its plain row type.
   */
  restore_roots?: string;
  /** 0 = a laptop: judged by backup staleness only, never "offline" (migration 0008). */
  always_online?: number;
}

export interface HostContactsTable {
  host_id: string;
  last_seen_at: number;
  last_ip: string;
  clock_skew_ms: number | null;
  outbox_depth: number;
  dropped_logs: number;
  last_heartbeat_at: number | null;
}

export interface EnrollmentTokensTable {
  id: string;
  token_hash: string;
  name: string | null;
  tags: string;
  lock_ip: string | null;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by_host: string | null;
  revoked_at: number | null;
}

export interface AgentChallengesTable {
  nonce: string;
  public_key: string;
  ip: string;
  created_at: number;
  expires_at: number;
}

export interface AgentSessionsTable {
  id: string;
  host_id: string;
  ip: string;
  created_at: number;
  expires_at: number;
}

export interface AgentCommandsTable {
  id: string;
  host_id: string;
  kind: string;
  job_id: string | null;
  args: string;
  created_by: string;
  created_at: number;
  delivered_at: number | null;
  deliveries: number;
  acked_at: number | null;
}

export interface AgentReportsTable {
  id: string;
  host_id: string;
  job_id: string | null;
  kind: string;
  seq: number;
  at: number;
  body: string;
  received_at: number;
}

export interface AgentTables {
  hosts: HostsTable;
  host_contacts: HostContactsTable;
  enrollment_tokens: EnrollmentTokensTable;
  agent_challenges: AgentChallengesTable;
  agent_sessions: AgentSessionsTable;
  agent_commands: AgentCommandsTable;
  agent_reports: AgentReportsTable;
}
