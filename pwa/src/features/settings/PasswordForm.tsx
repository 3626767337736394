import { useState } from "preact/hooks";
import { Field } from "../../components/Field.tsx";
import { Notice } from "../../components/Notice.tsx";
import { useStores } from "../../state/stores.ts";
import { useAction } from "../common/use_action.ts";

/** Change your own password; the current one is asked for again. */
export function PasswordForm() {
  const { api } = useStores();
  const { busy, run } = useAction();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [mismatch, setMismatch] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setMismatch(next !== again);
    if (next !== again) return;
    const r = await run(
      () => api.auth.changePassword({ currentPassword: current, newPassword: next }),
      "Your password was changed",
    );
    if (r.ok) {
      setCurrent("");
      setNext("");
      setAgain("");
    }
  };

  return (
    <section class="card" aria-labelledby="password-title">
      <h2 id="password-title">Your password</h2>
      <form class="form" onSubmit={submit}>
        <Field
          label="Current password"
          type="password"
          value={current}
          onValue={setCurrent}
          autoComplete="current-password"
          required
        />
        <Field
          label="New password"
          type="password"
          value={next}
          onValue={setNext}
          autoComplete="new-password"
          required
          minLength={10}
          hint="At least 10 characters."
        />
        <Field
          label="New password again"
          type="password"
          value={again}
          onValue={setAgain}
          autoComplete="new-password"
          required
        />
        {mismatch && <Notice kind="error">The two new passwords are not the same.</Notice>}
        <div>
          <button type="submit" class="btn btn--primary" disabled={busy}>Change password</button>
        </div>
      </form>
    </section>
  );
}
