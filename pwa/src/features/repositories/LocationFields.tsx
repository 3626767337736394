import type { SshKeyView } from "../../../../server/contract/backups.ts";
import { SelectField } from "../../components/Field.tsx";
import { TextField } from "../plans/form_parts.tsx";
import type { FieldErrors } from "../plans/form_parts.tsx";
import type { RepositoryForm } from "./repository_form.ts";

export interface LocationProps {
  form: RepositoryForm;
  errors: FieldErrors;
  set<K extends keyof RepositoryForm>(key: K, value: RepositoryForm[K]): void;
  sshKeys: SshKeyView[];
}

/** The fields of the chosen location kind, its SSH key and its backend credentials. */
export function LocationFields(props: LocationProps) {
  const { form: f, errors: e, set } = props;
  const text = (key: keyof RepositoryForm, label: string, extra: Record<string, unknown> = {}) => (
    <TextField
      label={label}
      value={f[key] as string}
      onValue={(x) => set(key, x)}
      error={e[`location.${key}`] ?? e[`credentials.${key}`]}
      {...extra}
    />
  );
  switch (f.kind) {
    case "local":
      return text("path", "Folder", {
        hint: "An absolute path on the host that runs the job, e.g. /srv/backup/restic",
      });
    case "sftp":
    case "ssh":
      return (
        <>
          <div class="form-grid">
            {text("user", "User")}
            {text("host", "Server")}
            {text("port", "Port", { type: "number", placeholder: "22" })}
          </div>
          {text("path", "Path on the server", {
            hint: f.kind === "ssh" ? "Absolute, or ~/… under the user's home." : undefined,
          })}
          {f.kind === "ssh" && text("remotePath", "borg on the server (optional)", {
            placeholder: "borg",
          })}
          <SelectField
            label="SSH key"
            value={f.sshKeyId}
            options={[
              { value: "", label: "Choose a key" },
              ...props.sshKeys.map((k) => ({ value: k.id, label: `${k.name} (${k.algorithm})` })),
            ]}
            onValue={(x) => set("sshKeyId", x)}
          />
          {props.sshKeys.length === 0 && (
            <p class="field__hint">
              No SSH keys yet: <a href="/ssh-keys">generate or import one</a>.
            </p>
          )}
          <TextField
            label="Server's host key (optional)"
            rows={2}
            mono
            value={f.knownHosts}
            onValue={(x) => set("knownHosts", x)}
            error={e.knownHosts}
            hint="known_hosts lines to pin. Empty: trust the key seen first."
          />
        </>
      );
    case "rest":
      return (
        <>
          {text("url", "URL", { placeholder: "https://backup.lan:8000/web1" })}
          <div class="form-grid">
            {text("username", "User (optional)")}
            {text("restPassword", "Password", { type: "password", autoComplete: "new-password" })}
          </div>
        </>
      );
    case "s3":
      return (
        <>
          {text("url", "Endpoint and bucket", { placeholder: "s3.amazonaws.com/bucket/path" })}
          <div class="form-grid">
            {text("accessKeyId", "Access key id")}
            {text("s3SecretAccessKey", "Secret access key", {
              type: "password",
              autoComplete: "new-password",
            })}
            {text("region", "Region (optional)")}
            {text("s3SessionToken", "Session token (optional)", { type: "password" })}
          </div>
        </>
      );
    case "rclone":
      return (
        <>
          {text("remote", "Remote", { placeholder: "nas:backups/restic" })}
          <TextField
            label="rclone settings (optional)"
            rows={3}
            mono
            value={f.rcloneEnv}
            onValue={(x) => set("rcloneEnv", x)}
            error={e["credentials.rcloneEnv"]}
            hint="RCLONE_CONFIG_… variables, one NAME=value per line. Kept sealed."
          />
        </>
      );
  }
}
