/** The tables of migrations/0009_notify.sql, as Kysely sees it (see schema.ts). */

export interface ChannelsTable {
  id: string;
  kind: string;
  name: string;
  enabled: number;
  rules: string;
  severities: string;
  events: string;
  config: string;
  secrets: string | null;
  secret_names: string;
  created_at: number;
  updated_at: number;
}

export interface PushSubscriptionsTable {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  label: string;
  min_severity: string;
  created_at: number;
  updated_at: number;
  last_success_at: number | null;
  last_failure: string | null;
}

export interface VapidKeysTable {
  id: number;
  public_key: string;
  private_key: string;
  created_at: number;
}

export interface DeliveriesTable {
  id: string;
  channel_id: string | null;
  subscription_id: string | null;
  alert_id: string | null;
  event: string;
  payload: string;
  state: string;
  attempts: number;
  next_attempt_at: number | null;
  last_status: number | null;
  last_reason: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface NotifyTables {
  channels: ChannelsTable;
  push_subscriptions: PushSubscriptionsTable;
  vapid_keys: VapidKeysTable;
  deliveries: DeliveriesTable;
}
