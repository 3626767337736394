import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import type { Credentials } from "../../api/cairn_api.ts";
import { ApiError } from "../../api/client.ts";
import { Field } from "../../components/Field.tsx";
import { Notice } from "../../components/Notice.tsx";

/** The centred card of the setup and sign-in screens: username, password, one button. */
export function AuthForm(props: {
  title: string;
  lead: ComponentChildren;
  submitLabel: string;
  newPassword?: boolean;
  notice?: ComponentChildren;
  onSubmit(c: Credentials): Promise<void>;
}) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (props.newPassword && password !== confirm) {
      setError("The two passwords are not the same.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await props.onSubmit({ username: username.trim(), password });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : `Something went wrong: ${err}`);
      setBusy(false);
    }
  };

  return (
    <main id="main" class="auth" tabIndex={-1}>
      <div class="auth__card">
        <div class="auth__brand">
          <img src="/icons/favicon.svg" alt="" width="40" height="40" />
          <span>Cairn</span>
        </div>
        <h1 id="page-title" tabIndex={-1}>{props.title}</h1>
        <p class="auth__lead">{props.lead}</p>
        {props.notice}
        <form class="form" onSubmit={submit} noValidate={false}>
          <Field
            label="Username"
            value={username}
            onValue={setUsername}
            name="username"
            autoComplete="username"
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
            name="password"
            autoComplete={props.newPassword ? "new-password" : "current-password"}
            required
            minLength={props.newPassword ? 10 : undefined}
            hint={props.newPassword
              ? "At least 10 characters. A few random words work well."
              : undefined}
          />
          {props.newPassword && (
            <Field
              label="Password again"
              type="password"
              value={confirm}
              onValue={setConfirm}
              name="confirm"
              autoComplete="new-password"
              required
            />
          )}
          {error && <Notice kind="error">{error}</Notice>}
          <button type="submit" class="btn btn--primary btn--block" disabled={busy}>
            {busy ? "Please wait…" : props.submitLabel}
          </button>
        </form>
      </div>
    </main>
  );
}
