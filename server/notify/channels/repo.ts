/**
 * Channels in SQL: the settings of each notification channel. JSON columns are parsed here, so
 * the service sees domain types only; the secrets stay sealed (the service opens them).
 */
import type { Db } from "../../db/connect.ts";
import type { AlertRule, AlertSeverity } from "../../contract/alerts.ts";
import type { ChannelEvent, ChannelKind } from "../../contract/notify.ts";
import { parseJson } from "../json.ts";

export interface ChannelRecord {
  id: string;
  kind: ChannelKind;
  name: string;
  enabled: boolean;
  rules: AlertRule[];
  severities: AlertSeverity[];
  events: ChannelEvent[];
  config: Record<string, unknown>;
  /** Sealed JSON of the secrets, or null. */
  sealedSecrets: string | null;
  secretNames: string[];
  createdAt: number;
  updatedAt: number;
}

type ChannelRow = Awaited<ReturnType<ReturnType<typeof selectChannels>["execute"]>>[number];
const selectChannels = (db: Db) => db.selectFrom("channels").selectAll();

function toChannel(r: ChannelRow): ChannelRecord {
  return {
    id: r.id,
    kind: r.kind as ChannelKind,
    name: r.name,
    enabled: r.enabled === 1,
    rules: parseJson(r.rules, []),
    severities: parseJson(r.severities, []),
    events: parseJson(r.events, []),
    config: parseJson(r.config, {}),
    sealedSecrets: r.secrets,
    secretNames: parseJson(r.secret_names, []),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function channelColumns(c: ChannelRecord) {
  return {
    kind: c.kind,
    name: c.name,
    enabled: c.enabled ? 1 : 0,
    rules: JSON.stringify(c.rules),
    severities: JSON.stringify(c.severities),
    events: JSON.stringify(c.events),
    config: JSON.stringify(c.config),
    secrets: c.sealedSecrets,
    secret_names: JSON.stringify(c.secretNames),
    updated_at: c.updatedAt,
  };
}

export function createChannelsRepo(db: Db) {
  return {
    async insertChannel(c: ChannelRecord) {
      await db.insertInto("channels")
        .values({ id: c.id, created_at: c.createdAt, ...channelColumns(c) }).execute();
    },
    async updateChannel(c: ChannelRecord) {
      await db.updateTable("channels").set(channelColumns(c)).where("id", "=", c.id).execute();
    },
    async deleteChannel(id: string): Promise<boolean> {
      const r = await db.deleteFrom("channels").where("id", "=", id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    async findChannel(id: string): Promise<ChannelRecord | null> {
      const r = await selectChannels(db).where("id", "=", id).executeTakeFirst();
      return r ? toChannel(r) : null;
    },
    async listChannels(): Promise<ChannelRecord[]> {
      return (await selectChannels(db).orderBy("name").orderBy("id").execute()).map(toChannel);
    },
    async listEnabledChannels(): Promise<ChannelRecord[]> {
      return (await selectChannels(db).where("enabled", "=", 1).execute()).map(toChannel);
    },
  };
}
