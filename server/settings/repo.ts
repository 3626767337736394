import type { Db } from "../db/connect.ts";

export function createSettingsRepo(db: Db) {
  return {
    async readSettings(): Promise<Record<string, unknown>> {
      const rows = await db.selectFrom("settings").selectAll().execute();
      return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value)]));
    },
    async writeSettings(values: Record<string, unknown>, now: number) {
      await db.transaction().execute(async (tx) => {
        for (const [key, value] of Object.entries(values)) {
          await tx.insertInto("settings").values({
            key,
            value: JSON.stringify(value),
            updated_at: now,
          })
            .onConflict((oc) =>
              oc.column("key").doUpdateSet({ value: JSON.stringify(value), updated_at: now })
            ).execute();
        }
      });
    },
  };
}

export type SettingsRepo = ReturnType<typeof createSettingsRepo>;
