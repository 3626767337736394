import * as v from "valibot";
import { useState } from "preact/hooks";
import type { RepositoryView, SshKeyView } from "../../../../server/contract/backups.ts";
import { UpdateRepositorySchema } from "../../../../server/contract/backups.ts";
import type { BackupsApi } from "../../api/backups_api.ts";
import { ApiError } from "../../api/client.ts";
import { useStores } from "../../state/stores.ts";
import { errorMessage } from "../common/use_action.ts";
import { TextField } from "../plans/form_parts.tsx";
import type { FieldErrors } from "../plans/form_parts.tsx";
import { LocationFields } from "./LocationFields.tsx";
import {
  emptyRepositoryForm,
  repositoryBody,
  repositoryFieldOf,
  serverRepositoryErrors,
} from "./repository_form.ts";
import type { RepositoryForm } from "./repository_form.ts";

function formFrom(r: RepositoryView): RepositoryForm {
  const l = r.location as Record<string, unknown>;
  const s = (k: string) => (l[k] === undefined ? "" : String(l[k]));
  return {
    ...emptyRepositoryForm(),
    name: r.name,
    engine: r.engine,
    kind: r.location.kind,
    path: s("path"),
    user: s("user"),
    host: s("host"),
    port: s("port"),
    remotePath: s("remotePath"),
    url: s("url"),
    username: s("username"),
    accessKeyId: s("accessKeyId"),
    region: s("region"),
    remote: s("remote"),
    sshKeyId: r.sshKeyId ?? "",
  };
}

/** Rename, move, or replace secrets; secrets left empty stay as they are. */
export function EditRepository(
  props: { repository: RepositoryView; sshKeys: SshKeyView[]; api: BackupsApi; onDone(): void },
) {
  const { toasts } = useStores();
  const [form, setForm] = useState(() => formFrom(props.repository));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof RepositoryForm>(key: K, value: RepositoryForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const submit = async (e: Event) => {
    e.preventDefault();
    const { engine: _engine, ...body } = repositoryBody(form);
    if (!form.knownHosts.trim()) delete body.knownHosts;
    const r = v.safeParse(UpdateRepositorySchema, body);
    if (!r.success) {
      const errs: FieldErrors = {};
      for (const i of r.issues) {
        errs[repositoryFieldOf((i.path ?? []).map((p) => p.key as string))] ??= i.message;
      }
      return setErrors(errs);
    }
    setBusy(true);
    try {
      await props.api.repositories.update(props.repository.id, r.output);
      toasts.success("Repository saved");
      props.onDone();
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        setErrors(serverRepositoryErrors(err.details));
      }
      toasts.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="edit-repo-title">
      <h2 id="edit-repo-title">Edit repository</h2>
      <form class="form" onSubmit={submit} noValidate>
        <TextField
          label="Name"
          value={form.name}
          onValue={(x) => set("name", x)}
          error={errors.name}
        />
        <LocationFields form={form} errors={errors} set={set} sshKeys={props.sshKeys} />
        <TextField
          label="New passphrase"
          type="password"
          autoComplete="new-password"
          value={form.passphrase}
          onValue={(x) => set("passphrase", x)}
          error={errors.passphrase}
          hint="Only if the repository's passphrase was changed outside Cairn. Empty: keep it."
        />
        <div class="button-row">
          <button type="submit" class="btn btn--primary" disabled={busy}>Save</button>
          <button type="button" class="btn btn--ghost" onClick={props.onDone}>Cancel</button>
        </div>
      </form>
    </section>
  );
}
