import { useMemo, useState } from "preact/hooks";
import type { CreatedRepository } from "../../../../server/contract/backups.ts";
import { ENGINES, LOCATION_KINDS } from "../../../../server/contract/jobs.ts";
import type { Engine } from "../../../../server/contract/jobs.ts";
import { createBackupsApi } from "../../api/backups_api.ts";
import { ApiError } from "../../api/client.ts";
import { SelectField } from "../../components/Field.tsx";
import { Notice } from "../../components/Notice.tsx";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { errorMessage } from "../common/use_action.ts";
import { createHostsApi } from "../hosts/hosts_api.ts";
import { Segmented, TextField } from "../plans/form_parts.tsx";
import type { FieldErrors } from "../plans/form_parts.tsx";
import { LocationFields } from "./LocationFields.tsx";
import { PassphraseOnce } from "./PassphraseOnce.tsx";
import {
  checkRepository,
  emptyRepositoryForm,
  KIND_LABEL,
  repositoryBody,
  serverRepositoryErrors,
} from "./repository_form.ts";
import type { LocationKind, RepositoryForm } from "./repository_form.ts";

type Start = "init" | "snapshots" | "none";

/**
 * A new repository: engine, where it lives, its passphrase and credentials; then initialise it
 * (or import an existing one) from a chosen host, and follow that job.
 */
export function NewRepository(props: { onClose(): void; onCreated(): void }) {
  const { api, router, toasts } = useStores();
  const backups = useMemo(() => createBackupsApi(api.client), [api]);
  const choices = useLoad(async () => {
    const [sshKeys, hosts] = await Promise.all([
      backups.sshKeys.list(),
      createHostsApi(api.client).list().then((l) => l.hosts),
    ]);
    return { sshKeys, hosts: hosts.filter((h) => h.enrollment === "approved") };
  });
  const [form, setForm] = useState<RepositoryForm>(emptyRepositoryForm);
  const [start, setStart] = useState<Start>("init");
  const [hostId, setHostId] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedRepository | null>(null);
  const set = <K extends keyof RepositoryForm>(key: K, value: RepositoryForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const setEngine = (engine: Engine) =>
    setForm((f) => ({
      ...f,
      engine,
      kind: LOCATION_KINDS[engine].includes(f.kind) ? f.kind : "local",
    }));
  const hosts = choices.data?.hosts ?? [];
  const host = hostId || hosts[0]?.id || "";

  const startJob = async (repositoryId: string) => {
    if (start === "none" || !host) {
      router.navigate(`/repositories/${encodeURIComponent(repositoryId)}`);
      return;
    }
    try {
      const [job] = await backups.jobs.run({ kind: start, repositoryId, hostId: host });
      router.navigate(`/jobs/${encodeURIComponent(job.id)}`);
    } catch (err) {
      toasts.error(`The repository was saved, but the job did not start: ${errorMessage(err)}`);
      router.navigate(`/repositories/${encodeURIComponent(repositoryId)}`);
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const checked = checkRepository(repositoryBody(form));
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      const made = await backups.repositories.create(checked.value);
      toasts.success(`Repository ${made.repository.name} added`);
      props.onCreated();
      if (made.passphrase) setCreated(made);
      else await startJob(made.repository.id);
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        const byField = serverRepositoryErrors(err.details);
        setErrors(Object.keys(byField).length ? byField : { form: err.message });
      } else toasts.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (created?.passphrase) {
    return (
      <PassphraseOnce
        name={created.repository.name}
        passphrase={created.passphrase}
        onStored={() => void startJob(created.repository.id)}
      />
    );
  }
  const count = Object.keys(errors).length;
  return (
    <section class="card" aria-labelledby="new-repo-title">
      <h2 id="new-repo-title">New repository</h2>
      <form class="form" onSubmit={submit} noValidate>
        {count > 0 && (
          <Notice kind="error">
            <p>
              {errors.form ?? `Please correct ${count === 1 ? "one field" : `${count} fields`}.`}
            </p>
          </Notice>
        )}
        <TextField
          label="Name"
          value={form.name}
          onValue={(x) => set("name", x)}
          error={errors.name}
        />
        <Segmented<Engine>
          legend="Engine"
          name="engine"
          value={form.engine}
          options={ENGINES.map((e) => ({ value: e, label: e }))}
          onValue={setEngine}
        />
        <Segmented<LocationKind>
          legend="Where it lives"
          name="location-kind"
          value={form.kind}
          options={LOCATION_KINDS[form.engine].map((k) => ({ value: k, label: KIND_LABEL[k] }))}
          onValue={(k) => set("kind", k)}
        />
        <LocationFields
          form={form}
          errors={errors}
          set={set}
          sshKeys={choices.data?.sshKeys ?? []}
        />
        <TextField
          label="Passphrase"
          type="password"
          autoComplete="new-password"
          value={form.passphrase}
          onValue={(x) => set("passphrase", x)}
          error={errors.passphrase}
          hint="Leave empty to have Cairn make a strong one (shown once). For an existing repository, its passphrase."
        />
        <Segmented<Start>
          legend="Then"
          name="start"
          value={start}
          options={[
            { value: "init", label: "Initialise new" },
            { value: "snapshots", label: "Import existing" },
            { value: "none", label: "Nothing yet" },
          ]}
          onValue={setStart}
        />
        {start !== "none" && (
          <SelectField
            label="From host"
            value={host}
            options={hosts.length
              ? hosts.map((h) => ({ value: h.id, label: h.name }))
              : [{ value: "", label: "No approved host yet" }]}
            onValue={setHostId}
          />
        )}
        <div class="button-row">
          <button type="submit" class="btn btn--primary" disabled={busy}>Add repository</button>
          <button type="button" class="btn btn--ghost" onClick={props.onClose}>Cancel</button>
        </div>
      </form>
    </section>
  );
}
