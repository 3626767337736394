import { useEffect } from "preact/hooks";
import { Notice } from "../../components/Notice.tsx";
import { useStores } from "../../state/stores.ts";
import { AuthForm } from "./AuthForm.tsx";

export function LoginScreen() {
  const { session } = useStores();
  useEffect(() => {
    document.title = "Sign in · Cairn";
  }, []);
  return (
    <AuthForm
      title="Sign in"
      lead="Sign in to see your fleet's backups."
      submitLabel="Sign in"
      notice={session.offline.value
        ? (
          <Notice kind="warning">
            The appliance cannot be reached right now. You can sign in once it is back.
          </Notice>
        )
        : undefined}
      onSubmit={(c) => session.login(c)}
    />
  );
}
