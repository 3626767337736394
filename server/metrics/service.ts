/**
 * GET /metrics: the fleet in Prometheus' text exposition format 0.0.4, for a Prometheus that
 * scrapes the appliance with an API token. Every family has its HELP and TYPE lines; label
 * values are escaped (backslash, double quote, newline) as the format requires, since host and
 * plan names are typed by people.
 */
import type { Clock } from "../clock.ts";
import { ONLINE_WITHIN_MS } from "../hosts/service.ts";
import type { MetricsRepo } from "./repo.ts";
import { DURATION_BUCKETS } from "./repo.ts";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

type Labels = Record<string, string>;

class Exposition {
  private lines: string[] = [];

  family(name: string, type: "gauge" | "counter" | "histogram", help: string) {
    this.lines.push(`# HELP ${name} ${help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n")}`);
    this.lines.push(`# TYPE ${name} ${type}`);
  }

  sample(name: string, labels: Labels, value: number) {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
    this.lines.push(`${name}${pairs.length ? `{${pairs.join(",")}}` : ""} ${formatValue(value)}`);
  }

  text() {
    return this.lines.join("\n") + "\n";
  }
}

function repositorySize(stats: string): number | null {
  try {
    const s = JSON.parse(stats) as { rawSizeBytes?: unknown; totalSizeBytes?: unknown };
    const n = s.rawSizeBytes ?? s.totalSizeBytes;
    return typeof n === "number" ? n : null;
  } catch {
    return null; // written by this code only; a damaged cell shows no size
  }
}

export function createMetricsService(deps: { repo: MetricsRepo; clock: Clock; version: string }) {
  const { repo } = deps;
  return {
    async render(): Promise<string> {
      const now = deps.clock.now();
      const x = new Exposition();
      x.family("cairn_build_info", "gauge", "Cairn's version; always 1.");
      x.sample("cairn_build_info", { version: deps.version }, 1);

      const hosts = await repo.hosts();
      x.family("cairn_host_up", "gauge", "1 when the host's agent was in contact lately.");
      for (const h of hosts) {
        const up = h.lastSeenAt !== null && now - h.lastSeenAt <= ONLINE_WITHIN_MS ? 1 : 0;
        x.sample("cairn_host_up", { host: h.name, host_id: h.id }, up);
      }

      const backups = await repo.lastBackups();
      x.family(
        "cairn_host_last_backup_timestamp_seconds",
        "gauge",
        "When the last backup of a host and plan ended, successful or not (Unix seconds).",
      );
      for (const b of backups) {
        x.sample("cairn_host_last_backup_timestamp_seconds", {
          host: b.hostName,
          plan: b.planName,
        }, b.lastAt / 1000);
      }
      x.family(
        "cairn_host_last_backup_success",
        "gauge",
        "1 when the last backup of a host and plan succeeded (ok or warning), else 0.",
      );
      for (const b of backups) {
        const ok = b.lastStatus === "ok" || b.lastStatus === "warning" ? 1 : 0;
        x.sample("cairn_host_last_backup_success", { host: b.hostName, plan: b.planName }, ok);
      }
      x.family(
        "cairn_host_last_successful_backup_timestamp_seconds",
        "gauge",
        "When the last successful backup of a host and plan ended (Unix seconds).",
      );
      for (const b of backups) {
        if (b.lastOkAt === null) continue;
        x.sample("cairn_host_last_successful_backup_timestamp_seconds", {
          host: b.hostName,
          plan: b.planName,
        }, b.lastOkAt / 1000);
      }

      const repos = await repo.repositories();
      x.family("cairn_repository_size_bytes", "gauge", "Repository size from its last stats.");
      for (const r of repos) {
        const size = repositorySize(r.stats);
        if (size !== null) x.sample("cairn_repository_size_bytes", { repository: r.name }, size);
      }
      x.family("cairn_repository_snapshots", "gauge", "Snapshots in the repository's listing.");
      for (const r of repos) {
        x.sample("cairn_repository_snapshots", { repository: r.name }, Number(r.snapshots));
      }

      x.family("cairn_jobs_total", "counter", "Jobs by kind and status.");
      for (const j of await repo.jobTotals()) {
        x.sample("cairn_jobs_total", { kind: j.kind, status: j.status }, Number(j.n));
      }

      x.family("cairn_job_duration_seconds", "histogram", "How long ended jobs ran.");
      for (const d of await repo.durations()) {
        DURATION_BUCKETS.forEach((le, i) =>
          x.sample(
            "cairn_job_duration_seconds_bucket",
            { kind: d.kind, le: String(le) },
            d.buckets[i],
          )
        );
        x.sample("cairn_job_duration_seconds_bucket", { kind: d.kind, le: "+Inf" }, d.count);
        x.sample("cairn_job_duration_seconds_sum", { kind: d.kind }, d.sum);
        x.sample("cairn_job_duration_seconds_count", { kind: d.kind }, d.count);
      }

      x.family("cairn_alerts_open", "gauge", "Open and acknowledged alerts.");
      const open = new Map<string, number>();
      for (const a of await repo.openAlerts()) open.set(`${a.rule}\n${a.severity}`, Number(a.n));
      // Every rule shows at its configured severity, so a dashboard sees a 0 rather than nothing.
      for (const r of await repo.rules()) {
        open.set(`${r.rule}\n${r.severity}`, open.get(`${r.rule}\n${r.severity}`) ?? 0);
      }
      for (const [key, n] of [...open].sort()) {
        const [rule, severity] = key.split("\n");
        x.sample("cairn_alerts_open", { severity, rule }, n);
      }
      return x.text();
    },
  };
}

export type MetricsService = ReturnType<typeof createMetricsService>;
