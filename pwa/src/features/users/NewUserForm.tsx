import { useState } from "preact/hooks";
import type { Role, UserView } from "../../../../server/contract/api.ts";
import { Field, SelectField } from "../../components/Field.tsx";
import { useStores } from "../../state/stores.ts";
import { ROLE_OPTIONS } from "../common/roles.ts";
import { useAction } from "../common/use_action.ts";

export function NewUserForm(props: { onCreated(user: UserView): void }) {
  const { api } = useStores();
  const { busy, run } = useAction();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("viewer");

  const submit = async (e: Event) => {
    e.preventDefault();
    const name = username.trim();
    const r = await run(
      () => api.users.create({ username: name, password, role }),
      `User ${name} added`,
    );
    if (r.ok) {
      setUsername("");
      setPassword("");
      props.onCreated(r.value);
    }
  };

  return (
    <section class="card" aria-labelledby="new-user-title">
      <h2 id="new-user-title">Add a user</h2>
      <form class="form form--inline" onSubmit={submit}>
        <Field
          label="Username"
          value={username}
          onValue={setUsername}
          autoComplete="off"
          autoCapitalize="none"
          spellcheck={false}
          required
          maxLength={64}
        />
        <Field
          label="Password"
          type="password"
          value={password}
          onValue={setPassword}
          autoComplete="new-password"
          required
          minLength={10}
        />
        <SelectField<Role> label="Role" value={role} options={ROLE_OPTIONS} onValue={setRole} />
        <button type="submit" class="btn btn--primary" disabled={busy}>Add user</button>
      </form>
      <p class="field__hint">
        Give the password to the person by a safe route; they can change it under Settings.
      </p>
    </section>
  );
}
