import { useEffect } from "preact/hooks";
import { useStores } from "../../state/stores.ts";
import { AuthForm } from "./AuthForm.tsx";

/** First run: the first visitor creates the admin account. Shown only while no user exists. */
export function SetupScreen() {
  const { session, router } = useStores();
  useEffect(() => {
    document.title = "Set up · Cairn";
  }, []);
  return (
    <AuthForm
      title="Welcome to Cairn"
      lead="Create the admin account for this appliance. You will use it to approve hosts, add
        people and change settings."
      submitLabel="Create admin account"
      newPassword
      onSubmit={async (c) => {
        await session.setup(c);
        router.navigate("/", { replace: true });
      }}
    />
  );
}
