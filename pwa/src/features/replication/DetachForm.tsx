import { useState } from "preact/hooks";
import type { ReplicationApi } from "../../api/replication_api.ts";
import { confirmed, ConfirmWord } from "../../components/ConfirmWord.tsx";
import { Notice } from "../../components/Notice.tsx";
import { useAction } from "../common/use_action.ts";

/**
 * A paused primary's admin continues without the standby, after typing "detach": the primary
 * forgets its standby and accepts writes alone.
 */
export function DetachForm(props: { rep: ReplicationApi; onDetached(): void }) {
  const { busy, run } = useAction();
  const [typed, setTyped] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await run(
      () => props.rep.detach(typed.trim()),
      "The standby is detached; this appliance accepts writes alone",
    );
    if (r.ok) {
      setTyped("");
      props.onDetached();
    }
  };
  return (
    <form class="form" onSubmit={submit} aria-labelledby="detach-title" data-testid="detach-form">
      <h3 id="detach-title">Continue without the standby</h3>
      <Notice kind="error">
        <p>
          Writes are paused because the standby stopped answering; it may have been promoted. Agents
          keep their reports meanwhile. Continue without it only when the standby is really gone or
          you will not promote it: if it is promoted later, two appliances accept writes. To have a
          standby again, pair a fresh one with a new code.
        </p>
      </Notice>
      <ConfirmWord word="detach" value={typed} onValue={setTyped} />
      <button type="submit" class="btn btn--danger" disabled={busy || !confirmed(typed, "detach")}>
        Continue without the standby
      </button>
    </form>
  );
}
