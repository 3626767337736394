import { useState } from "preact/hooks";
import type { AuditFilter } from "../../api/cairn_api.ts";
import { Field } from "../../components/Field.tsx";

const EMPTY = { actor: "", action: "", target: "", from: "", to: "" };

/** datetime-local gives local wall time without a zone; the API wants ISO 8601. */
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function AuditFilters(props: { onApply(filter: AuditFilter): void }) {
  const [f, setF] = useState(EMPTY);
  const set = (k: keyof typeof EMPTY) => (v: string) => setF({ ...f, [k]: v });
  const apply = (next: typeof EMPTY) => {
    props.onApply({
      actor: next.actor.trim() || undefined,
      action: next.action.trim() || undefined,
      target: next.target.trim() || undefined,
      from: toIso(next.from),
      to: toIso(next.to),
    });
  };
  return (
    <form
      class="card filters"
      aria-label="Filter the audit log"
      onSubmit={(e) => {
        e.preventDefault();
        apply(f);
      }}
    >
      <Field label="Actor" value={f.actor} onValue={set("actor")} placeholder="username" />
      <Field
        label="Action"
        value={f.action}
        onValue={set("action")}
        placeholder="e.g. user.create"
      />
      <Field label="Target" value={f.target} onValue={set("target")} placeholder="id" />
      <Field label="From" type="datetime-local" value={f.from} onValue={set("from")} />
      <Field label="To" type="datetime-local" value={f.to} onValue={set("to")} />
      <div class="filters__actions">
        <button type="submit" class="btn btn--primary">Filter</button>
        <button
          type="button"
          class="btn btn--ghost"
          onClick={() => {
            setF(EMPTY);
            apply(EMPTY);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
