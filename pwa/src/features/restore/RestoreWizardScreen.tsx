/**
 * The restore wizard for one snapshot: what (the files and folders picked in the browser, or the
 * whole snapshot), where (a new place inside the host's allowed roots, prefilled; the original
 * place with a typed confirmation; or another host with optional remaps), how to treat files
 * already there, a summary, then the job page.
 */
import { useMemo, useState } from "preact/hooks";
import type { HostView } from "../../../../server/contract/hosts.ts";
import type { CreateRestore, OverwritePolicy, RestoreTarget } from "../../api/restore_api.ts";
import { OVERWRITE_POLICIES } from "../../api/restore_api.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import type { ScreenProps } from "../../state/router_store.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { useAction } from "../common/use_action.ts";
import { createHostsApi } from "../hosts/hosts_api.ts";
import { TargetFields } from "./TargetFields.tsx";
import type { TargetForm } from "./TargetFields.tsx";
import {
  defaultNewTarget,
  isInside,
  OVERWRITE_WORDS,
  parseRemap,
  selectionWords,
  shortSnapshot,
  snapshotHref,
  targetWords,
} from "./restore_words.ts";
import { useRestore } from "./use_restore.ts";

export default function RestoreWizardScreen({ params }: ScreenProps) {
  const stores = useStores();
  const { api, store } = useRestore();
  const hostsApi = useMemo(() => createHostsApi(stores.api.client), [stores.api]);
  const s = {
    hostId: params.id,
    repositoryId: params.repo,
    snapshotId: shortSnapshot(params.snap),
  };
  const loaded = useLoad(async () => {
    const [host, list, roots] = await Promise.all([
      hostsApi.get(s.hostId),
      hostsApi.list(),
      api.restoreRoots(s.hostId),
    ]);
    return {
      host,
      hosts: list.hosts.filter((h) => h.enrollment === "approved"),
      roots: roots.effective,
    };
  });
  const paths = store.selection(s.repositoryId, s.snapshotId);
  return (
    <section class="wizard">
      <PageHeader
        title="Restore"
        lead={<>from snapshot {shortSnapshot(s.snapshotId)}</>}
      />
      <LoadState loaded={loaded} what="the host" />
      {loaded.data && (
        <WizardForm
          s={s}
          paths={paths}
          host={loaded.data.host}
          hosts={loaded.data.hosts}
          roots={loaded.data.roots}
          onDone={(jobId) => stores.router.navigate(`/jobs/${encodeURIComponent(jobId)}`)}
          submit={api.restores.create}
          rootsOf={async (id) => (await api.restoreRoots(id)).effective}
        />
      )}
    </section>
  );
}

function WizardForm(props: {
  s: { hostId: string; repositoryId: string; snapshotId: string };
  paths: string[];
  host: HostView;
  hosts: HostView[];
  roots: string[];
  submit(body: CreateRestore): Promise<Array<{ id: string }>>;
  rootsOf(hostId: string): Promise<string[]>;
  onDone(jobId: string): void;
}) {
  const { busy, run } = useAction();
  const [form, setForm] = useState<TargetForm>(() => ({
    type: "new",
    newPath: defaultNewTarget(props.roots, props.s.snapshotId),
    hostId: props.hosts.find((h) => h.id !== props.host.id)?.id ?? "",
    hostPath: "",
    remap: "",
    confirm: "",
  }));
  const [overwrite, setOverwrite] = useState<OverwritePolicy>("never");
  const built = buildTarget(form, props.host, props.roots);
  const name = (id: string) => props.hosts.find((h) => h.id === id)?.name ?? id;
  const go = async (e: Event) => {
    e.preventDefault();
    if (!built.ok) return;
    const body: CreateRestore = {
      repositoryId: props.s.repositoryId,
      snapshotId: props.s.snapshotId,
      paths: props.paths,
      target: built.target,
      overwrite,
      ...(built.target.type === "original" ? { confirm: form.confirm } : {}),
    };
    const r = await run(() => props.submit(body), "Restore started");
    if (r.ok && r.value[0]) props.onDone(r.value[0].id);
  };
  return (
    <form class="form wizard__form" onSubmit={go}>
      <fieldset class="card">
        <legend class="wizard__step">1. What</legend>
        <p>
          <strong>{selectionWords(props.paths)}</strong> from {props.host.name}
        </p>
        {props.paths.length > 1 && (
          <ul class="plain-list mono details">
            {props.paths.map((p) => <li key={p}>{p}</li>)}
          </ul>
        )}
        <a href={snapshotHref(props.s)}>Pick files and folders in the snapshot</a>
      </fieldset>
      <TargetFields
        form={form}
        onChange={(f) => setForm({ ...form, ...f })}
        host={props.host}
        hosts={props.hosts}
        roots={props.roots}
        rootsOf={props.rootsOf}
        snapshotId={props.s.snapshotId}
        error={built.ok ? null : built.error}
      />
      <fieldset class="card">
        <legend class="wizard__step">3. Files already there</legend>
        <div class="choice-list">
          {OVERWRITE_POLICIES.map((p) => (
            <label key={p} class="choice">
              <input
                type="radio"
                name="overwrite"
                value={p}
                checked={overwrite === p}
                onChange={() => setOverwrite(p)}
              />
              <span>
                <strong>{OVERWRITE_WORDS[p].label}</strong>
                <span class="muted details">{OVERWRITE_WORDS[p].hint}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <section class="card wizard__summary" aria-labelledby="summary-title">
        <h2 id="summary-title" class="wizard__step">4. Check and start</h2>
        <dl class="facts">
          <dt>What</dt>
          <dd>{selectionWords(props.paths)}</dd>
          <dt>From</dt>
          <dd>{props.host.name}, snapshot {shortSnapshot(props.s.snapshotId)}</dd>
          <dt>Where</dt>
          <dd>{built.ok ? targetWords(built.target, name) : "—"}</dd>
          <dt>Files already there</dt>
          <dd>{OVERWRITE_WORDS[overwrite].label}</dd>
        </dl>
        <button type="submit" class="btn btn--primary btn--block" disabled={busy || !built.ok}>
          Start restore
        </button>
      </section>
    </form>
  );
}

type Built = { ok: true; target: RestoreTarget } | { ok: false; error: string };

function buildTarget(f: TargetForm, host: HostView, roots: string[]): Built {
  if (f.type === "original") {
    if (f.confirm.trim() !== host.name) {
      return { ok: false, error: `Type the host's name, ${host.name}, to restore in place.` };
    }
    return { ok: true, target: { type: "original" } };
  }
  if (f.type === "new") {
    const path = f.newPath.trim();
    if (!path.startsWith("/")) return { ok: false, error: "The folder must be an absolute path." };
    if (roots.length && !roots.some((r) => isInside(path, r))) {
      return { ok: false, error: `The folder must be inside ${roots.join(" or ")}.` };
    }
    return { ok: true, target: { type: "new", path } };
  }
  if (!f.hostId) return { ok: false, error: "Pick the host to restore onto." };
  const path = f.hostPath.trim();
  if (!path.startsWith("/")) return { ok: false, error: "The folder must be an absolute path." };
  const remap = parseRemap(f.remap);
  if (!remap.ok) return { ok: false, error: `Remap line ${remap.line} is not "/from -> /to".` };
  return {
    ok: true,
    target: {
      type: "host",
      hostId: f.hostId,
      path,
      ...(remap.remap.length ? { remap: remap.remap } : {}),
    },
  };
}
