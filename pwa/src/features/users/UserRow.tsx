import { useState } from "preact/hooks";
import type { Role, UserView } from "../../../../server/contract/api.ts";
import { Field } from "../../components/Field.tsx";
import { formatTime } from "../../components/format.ts";
import { useStores } from "../../state/stores.ts";
import { ROLE_SHORT } from "../common/roles.ts";
import { useAction } from "../common/use_action.ts";

/** One user: change role, disable or enable, reset the password (in a row that opens below). */
export function UserRow(props: { user: UserView; isMe: boolean; onChanged(u: UserView): void }) {
  const { api } = useStores();
  const { busy, run } = useAction();
  const [resetting, setResetting] = useState(false);
  const [password, setPassword] = useState("");
  const u = props.user;

  const changeRole = async (role: Role) => {
    const r = await run(() => api.users.update(u.id, { role }), `${u.username} is now ${role}`);
    if (r.ok) props.onChanged(r.value);
  };
  const toggle = async () => {
    const r = await run(
      () => api.users.update(u.id, { disabled: !u.disabled }),
      `${u.username} ${u.disabled ? "enabled" : "disabled"}`,
    );
    if (r.ok) props.onChanged(r.value);
  };
  const reset = async (e: Event) => {
    e.preventDefault();
    const r = await run(
      () => api.users.resetPassword(u.id, password),
      `Password of ${u.username} reset; their sessions were signed out`,
    );
    if (!r.ok) return;
    setPassword("");
    setResetting(false);
  };

  return (
    <>
      <tr>
        <th scope="row">
          {u.username} {props.isMe && <span class="badge">you</span>}
        </th>
        <td>
          <label class="visually-hidden" for={`role-${u.id}`}>Role of {u.username}</label>
          <select
            id={`role-${u.id}`}
            class="inline-select"
            value={u.role}
            disabled={busy}
            onChange={(e) => changeRole((e.currentTarget as HTMLSelectElement).value as Role)}
          >
            {ROLE_SHORT.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
          </select>
        </td>
        <td>
          {u.disabled
            ? <span class="badge badge--bad">Disabled</span>
            : <span class="badge badge--good">Active</span>}
        </td>
        <td>{u.lastLoginAt ? formatTime(u.lastLoginAt) : <span class="muted">never</span>}</td>
        <td class="actions">
          <button
            type="button"
            class="btn btn--small"
            aria-expanded={resetting}
            onClick={() => setResetting(!resetting)}
          >
            Reset password
          </button>
          <button
            type="button"
            class={u.disabled ? "btn btn--small" : "btn btn--small btn--danger"}
            disabled={busy}
            onClick={toggle}
          >
            {u.disabled ? "Enable" : "Disable"}
          </button>
        </td>
      </tr>
      {resetting && (
        <tr class="row-editor">
          <td colSpan={5}>
            <form class="form form--inline" onSubmit={reset}>
              <Field
                label={`New password for ${u.username}`}
                type="password"
                value={password}
                onValue={setPassword}
                autoComplete="new-password"
                required
                minLength={10}
              />
              <button type="submit" class="btn btn--primary" disabled={busy}>Set password</button>
              <button type="button" class="btn btn--ghost" onClick={() => setResetting(false)}>
                Cancel
              </button>
            </form>
          </td>
        </tr>
      )}
    </>
  );
}
