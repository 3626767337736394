/**
 * Fleet state written straight into a real libSQL file (all migrations), as the agents' reports
 * and the configuration screens would leave it, for the alert engine's and /metrics' tests and
 * the bench. Every row goes through SQL, nothing is mocked.
 */
import { sql } from "kysely";
import type { Db } from "../../server/db/connect.ts";
import { newId } from "../../server/ids.ts";

export async function addHost(
  db: Db,
  o: { name: string; state?: string; at: number; tags?: string[]; alwaysOnline?: boolean },
): Promise<string> {
  const id = newId("hst", o.at);
  const key = crypto.getRandomValues(new Uint8Array(32));
  const b64 = btoa(String.fromCharCode(...key));
  const fp = [...key].map((b) => b.toString(16).padStart(2, "0")).join("");
  await sql`INSERT INTO hosts (id, name, public_key, box_public_key, fingerprint, state, tags,
      facts, enrolled_ip, protocol_version, created_at, updated_at, decided_at, always_online)
    VALUES (${id}, ${o.name}, ${b64}, ${b64}, ${fp}, ${o.state ?? "approved"},
      ${JSON.stringify(o.tags ?? [])}, '{}', '127.0.0.1', 1, ${o.at}, ${o.at}, ${o.at},
      ${o.alwaysOnline === false ? 0 : 1})`.execute(db);
  return id;
}

export async function seen(db: Db, hostId: string, at: number) {
  await sql`INSERT INTO host_contacts (host_id, last_seen_at, last_ip) VALUES (${hostId}, ${at},
    '127.0.0.1') ON CONFLICT (host_id) DO UPDATE SET last_seen_at = excluded.last_seen_at`
    .execute(db);
}

export async function addRepository(db: Db, o: { name: string; at: number }): Promise<string> {
  const id = newId("rep", o.at);
  await sql`INSERT INTO repositories (id, name, engine, location, passphrase_sealed, state,
      created_by, created_at, updated_at)
    VALUES (${id}, ${o.name}, 'restic', '{"kind":"local","path":"/srv/r"}', 'sb1:x', 'ready',
      'admin', ${o.at}, ${o.at})`.execute(db);
  return id;
}

export async function addPlan(
  db: Db,
  o: { name: string; repositoryId: string; hostId?: string; tag?: string; at: number },
): Promise<string> {
  const id = newId("pln", o.at);
  await sql`INSERT INTO plans (id, name, repository_id, target_host_id, target_tag, sources,
      created_by, created_at, updated_at)
    VALUES (${id}, ${o.name}, ${o.repositoryId}, ${o.hostId ?? null}, ${o.tag ?? null},
      '["/data"]', 'admin', ${o.at}, ${o.at})`.execute(db);
  return id;
}

export async function addSchedule(
  db: Db,
  o: {
    planId: string;
    kind?: string;
    cron: string;
    timeZone?: string;
    at: number;
    enabled?: boolean;
  },
): Promise<string> {
  const id = newId("sch", o.at);
  await sql`INSERT INTO schedules (id, plan_id, kind, rule, cron, time_zone, enabled, created_by,
      created_at, updated_at)
    VALUES (${id}, ${o.planId}, ${o.kind ?? "backup"}, '{"type":"cron"}', ${o.cron},
      ${o.timeZone ?? "UTC"}, ${o.enabled === false ? 0 : 1}, 'admin', ${o.at}, ${o.at})`
    .execute(db);
  return id;
}

export async function addJob(db: Db, o: {
  hostId: string;
  repositoryId: string;
  planId?: string | null;
  kind?: string;
  status: string;
  at: number;
  durationMs?: number;
  message?: string;
}): Promise<string> {
  const id = newId("job", o.at);
  const started = o.at - (o.durationMs ?? 60_000);
  await sql`INSERT INTO jobs (id, host_id, repository_id, plan_id, kind, exclusive, status,
      created_by, created_at, started_at, finished_at, message)
    VALUES (${id}, ${o.hostId}, ${o.repositoryId}, ${o.planId ?? null}, ${o.kind ?? "backup"}, 0,
      ${o.status}, 'admin', ${started}, ${started}, ${o.at}, ${o.message ?? null})`.execute(db);
  return id;
}

export async function addSnapshot(db: Db, o: {
  repositoryId: string;
  hostId: string;
  planId: string;
  at: number;
  sizeBytes: number;
}): Promise<string> {
  const id = crypto.randomUUID().replaceAll("-", "") + crypto.randomUUID().replaceAll("-", "");
  await sql`INSERT INTO snapshots (repository_id, snapshot_id, short_id, time, hostname, host_id,
      plan_id, size_bytes, file_count, refresh_id)
    VALUES (${o.repositoryId}, ${id}, ${id.slice(0, 8)}, ${o.at}, 'h', ${o.hostId}, ${o.planId},
      ${o.sizeBytes}, 10, 'job_x')`.execute(db);
  return id;
}

export async function setRepository(
  db: Db,
  id: string,
  o: { lastCheckStatus?: string; lockState?: unknown; stats?: unknown },
) {
  if (o.lastCheckStatus !== undefined) {
    await sql`UPDATE repositories SET last_check_status = ${o.lastCheckStatus} WHERE id = ${id}`
      .execute(db);
  }
  if (o.lockState !== undefined) {
    await sql`UPDATE repositories SET lock_state = ${JSON.stringify(o.lockState)} WHERE id = ${id}`
      .execute(db);
  }
  if (o.stats !== undefined) {
    await sql`UPDATE repositories SET stats = ${JSON.stringify(o.stats)} WHERE id = ${id}`
      .execute(db);
  }
}

export async function setPlanPaused(db: Db, planId: string, until: number | null) {
  await sql`UPDATE plans SET paused_until = ${until} WHERE id = ${planId}`.execute(db);
}
