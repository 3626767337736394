import { useEffect, useState } from "preact/hooks";
import type { HostView } from "../../../../server/contract/hosts.ts";
import { defaultNewTarget } from "./restore_words.ts";

export interface TargetForm {
  type: "new" | "original" | "host";
  newPath: string;
  hostId: string;
  hostPath: string;
  remap: string;
  confirm: string;
}

const KINDS: Array<{ type: TargetForm["type"]; label: string }> = [
  { type: "new", label: "New folder" },
  { type: "original", label: "Original place" },
  { type: "host", label: "Another host" },
];

/** Step 2 of the wizard: where the files go. */
export function TargetFields(props: {
  form: TargetForm;
  onChange(f: Partial<TargetForm>): void;
  host: HostView;
  hosts: HostView[];
  roots: string[];
  rootsOf(hostId: string): Promise<string[]>;
  snapshotId: string;
  error: string | null;
}) {
  const f = props.form;
  const others = props.hosts.filter((h) => h.id !== props.host.id);
  return (
    <fieldset class="card">
      <legend class="wizard__step">2. Where</legend>
      <div class="segmented" role="radiogroup" aria-label="Restore to">
        {KINDS.map((k) => (
          <label key={k.type} class={`segmented__item${f.type === k.type ? " is-on" : ""}`}>
            <input
              type="radio"
              name="target"
              value={k.type}
              checked={f.type === k.type}
              disabled={k.type === "host" && others.length === 0}
              onChange={() =>
                props.onChange({ type: k.type })}
            />
            <span>{k.label}</span>
          </label>
        ))}
      </div>
      {f.type === "new" && (
        <label class="field">
          <span>Folder on {props.host.name}</span>
          <input
            value={f.newPath}
            onInput={(e) => props.onChange({ newPath: e.currentTarget.value })}
            spellcheck={false}
            autocomplete="off"
          />
          <span class="field__hint">
            Allowed: {props.roots.join(", ")}. Each file goes below it at its snapshot path.
          </span>
        </label>
      )}
      {f.type === "original" && (
        <label class="field">
          <span>Type {props.host.name} to restore in place</span>
          <input
            value={f.confirm}
            onInput={(e) => props.onChange({ confirm: e.currentTarget.value })}
            spellcheck={false}
            autocomplete="off"
          />
          <span class="field__hint">
            Files go back where they were on{" "}
            {props.host.name}; pick below what happens to files already there.
          </span>
        </label>
      )}
      {f.type === "host" && <OtherHost {...props} others={others} />}
      {props.error && <p class="field__error" role="status">{props.error}</p>}
    </fieldset>
  );
}

function OtherHost(props: {
  form: TargetForm;
  onChange(f: Partial<TargetForm>): void;
  others: HostView[];
  rootsOf(hostId: string): Promise<string[]>;
  snapshotId: string;
}) {
  const f = props.form;
  const [roots, setRoots] = useState<string[]>([]);
  useEffect(() => {
    if (!f.hostId) return;
    let live = true;
    props.rootsOf(f.hostId).then((r) => {
      if (!live) return;
      setRoots(r);
      if (!f.hostPath) props.onChange({ hostPath: defaultNewTarget(r, props.snapshotId) });
    }, () => live && setRoots([]));
    return () => {
      live = false;
    };
  }, [f.hostId]);
  return (
    <>
      <label class="field">
        <span>Host</span>
        <select
          value={f.hostId}
          onChange={(e) => props.onChange({ hostId: e.currentTarget.value, hostPath: "" })}
        >
          {props.others.map((h) => <option key={h.id} value={h.id}>{h.name}</option>)}
        </select>
      </label>
      <label class="field">
        <span>Folder on that host</span>
        <input
          value={f.hostPath}
          onInput={(e) => props.onChange({ hostPath: e.currentTarget.value })}
          spellcheck={false}
        />
        {roots.length > 0 && <span class="field__hint">Allowed: {roots.join(", ")}</span>}
      </label>
      <label class="field">
        <span>Remap paths (optional)</span>
        <textarea
          rows={2}
          value={f.remap}
          placeholder="/home/alice -> /home/bob"
          onInput={(e) => props.onChange({ remap: e.currentTarget.value })}
        />
        <span class="field__hint">One per line: a snapshot path, then where it goes instead.</span>
      </label>
    </>
  );
}
