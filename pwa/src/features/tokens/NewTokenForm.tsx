import { useState } from "preact/hooks";
import type { Role } from "../../../../server/contract/api.ts";
import { Field, SelectField } from "../../components/Field.tsx";
import { useStores } from "../../state/stores.ts";
import { ROLE_OPTIONS } from "../common/roles.ts";
import { useAction } from "../common/use_action.ts";

export function NewTokenForm(props: { onCreated(name: string, secret: string): void }) {
  const { api } = useStores();
  const { busy, run } = useAction();
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");

  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await run(() => api.tokens.create({ name: name.trim(), role }));
    if (r.ok) {
      setName("");
      props.onCreated(r.value.token.name, r.value.secret);
    }
  };

  return (
    <section class="card" aria-labelledby="new-token-title">
      <h2 id="new-token-title">Create a token</h2>
      <form class="form form--inline" onSubmit={submit}>
        <Field
          label="Name"
          value={name}
          onValue={setName}
          placeholder="e.g. Prometheus on monitor-1"
          autoComplete="off"
          required
          maxLength={80}
        />
        <SelectField<Role> label="Role" value={role} options={ROLE_OPTIONS} onValue={setRole} />
        <button type="submit" class="btn btn--primary" disabled={busy}>Create token</button>
      </form>
    </section>
  );
}
