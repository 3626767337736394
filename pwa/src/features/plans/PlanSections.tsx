import type { PlanView } from "../../../../server/contract/backups.ts";
import { Checkbox, TextField } from "./form_parts.tsx";
import type { FieldErrors } from "./form_parts.tsx";
import { RETENTION_KEYS } from "./plan_form.ts";
import type { PlanForm } from "./plan_form.ts";

export interface SectionProps {
  form: PlanForm;
  errors: FieldErrors;
  set<K extends keyof PlanForm>(key: K, value: PlanForm[K]): void;
}

const RETENTION_LABEL: Record<string, string> = {
  last: "Last",
  hourly: "Hourly",
  daily: "Daily",
  weekly: "Weekly",
  monthly: "Monthly",
  yearly: "Yearly",
};

/** How many snapshots to keep, per period; empty means "not by this rule". */
export function RetentionSection({ form, errors, set }: SectionProps) {
  const put = (k: keyof PlanForm["retention"], value: string) =>
    set("retention", { ...form.retention, [k]: value });
  return (
    <fieldset class="card form-section">
      <legend>Retention</legend>
      <p class="field__hint">
        Snapshots to keep when retention runs. Cairn only ever forgets this plan's own snapshots on
        each host.
      </p>
      <div class="form-grid form-grid--narrow">
        {RETENTION_KEYS.map((k) => (
          <TextField
            key={k}
            label={RETENTION_LABEL[k]}
            type="number"
            value={form.retention[k]}
            onValue={(x) => put(k, x)}
            error={errors[`retention.${k}`]}
          />
        ))}
        <TextField
          label="Keep all within"
          value={form.retention.within}
          onValue={(x) => put("within", x)}
          placeholder="e.g. 7d"
          error={errors["retention.within"]}
        />
      </div>
    </fieldset>
  );
}

/** Shell commands before and after the backup; admins only, never shown again once saved. */
export function HooksSection(props: SectionProps & { editing: PlanView | null }) {
  const { form, errors, set } = props;
  const saved = props.editing?.hooks;
  const isSet = !!saved && (saved.pre || saved.post);
  return (
    <fieldset class="card form-section">
      <legend>Hooks</legend>
      <p class="field__hint">
        Commands run with <code>sh -c</code>{" "}
        on the host before and after the backup. Cairn keeps them sealed and never shows them again;
        only their output reaches the job log.
      </p>
      {isSet && !form.replaceHooks
        ? (
          <div class="button-row">
            <span data-testid="hooks-state">
              Before: <strong>{saved.pre ? "set" : "not set"}</strong>; after:{" "}
              <strong>{saved.post ? "set" : "not set"}</strong>
            </span>
            <button type="button" class="btn btn--small" onClick={() => set("replaceHooks", true)}>
              Replace hooks…
            </button>
          </div>
        )
        : (
          <div class="form-grid">
            <TextField
              label="Before the backup"
              rows={3}
              mono
              value={form.hooksPre}
              onValue={(x) => set("hooksPre", x)}
              error={errors["hooks.pre"]}
              hint={isSet ? "Leave both empty to remove the hooks." : undefined}
            />
            <TextField
              label="After the backup"
              rows={3}
              mono
              value={form.hooksPost}
              onValue={(x) => set("hooksPost", x)}
              error={errors["hooks.post"]}
            />
          </div>
        )}
    </fieldset>
  );
}

/** What to leave out, how to compress (borg), tags and bandwidth. */
export function OptionsSection(props: SectionProps & { borg: boolean }) {
  const { form, errors, set } = props;
  return (
    <fieldset class="card form-section">
      <legend>What to leave out, and how</legend>
      <div class="form-grid">
        <TextField
          label="Excludes"
          rows={4}
          mono
          value={form.excludes}
          onValue={(x) => set("excludes", x)}
          error={errors.excludes}
          hint="One pattern per line, e.g. /home/*/.cache or *.tmp"
        />
        <TextField
          label="Skip folders containing"
          rows={4}
          mono
          value={form.excludeIfPresent}
          onValue={(x) => set("excludeIfPresent", x)}
          error={errors.excludeIfPresent}
          hint="One file name per line, e.g. .nobackup"
        />
      </div>
      <Checkbox
        label="Stay on one file system"
        checked={form.oneFileSystem}
        onValue={(x) => set("oneFileSystem", x)}
        hint="Do not cross into other mounts below the sources."
      />
      <div class="form-grid">
        {props.borg && (
          <TextField
            label="Compression"
            value={form.compression}
            onValue={(x) => set("compression", x)}
            error={errors.compression}
            placeholder="borg's default (lz4)"
            hint="e.g. lz4, zstd,6 or auto,zstd,10"
          />
        )}
        <TextField
          label="Tags"
          value={form.tags}
          onValue={(x) => set("tags", x)}
          error={errors.tags}
          hint="Extra tags on each snapshot, separated by spaces."
        />
        <TextField
          label="Upload limit (KiB/s)"
          type="number"
          value={form.uploadKiB}
          onValue={(x) => set("uploadKiB", x)}
          error={errors["limits.uploadKiB"]}
        />
        <TextField
          label="Download limit (KiB/s)"
          type="number"
          value={form.downloadKiB}
          onValue={(x) => set("downloadKiB", x)}
          error={errors["limits.downloadKiB"]}
        />
      </div>
    </fieldset>
  );
}
