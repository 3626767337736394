import { useState } from "preact/hooks";
import type { ReplicationApi } from "../../api/replication_api.ts";
import { confirmed, ConfirmWord } from "../../components/ConfirmWord.tsx";
import { Notice } from "../../components/Notice.tsx";
import { useAction } from "../common/use_action.ts";

/** A standby's admin promotes it to primary, after typing "promote". */
export function PromoteForm(
  props: { rep: ReplicationApi; primaryUrl: string | null; onPromoted(): void },
) {
  const { busy, run } = useAction();
  const [typed, setTyped] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await run(() => props.rep.promote(typed.trim()), "This appliance is now the primary");
    if (r.ok) {
      setTyped("");
      props.onPromoted();
    }
  };
  return (
    <form class="form" onSubmit={submit} aria-labelledby="promote-title">
      <h3 id="promote-title">Promote this appliance</h3>
      <Notice kind="warning">
        <p>
          Promote when the primary{props.primaryUrl ? ` (${props.primaryUrl})` : ""}{" "}
          is down or cut off. Promotion first waits for the primary's lease to end (up to about 8
          s), so the old primary has stopped accepting writes; this appliance then accepts writes
          and agents move to it. Whatever the old primary wrote that this one never received is
          lost; if it comes back it steps down and follows this one.
        </p>
      </Notice>
      <ConfirmWord word="promote" value={typed} onValue={setTyped} />
      <button
        type="submit"
        class="btn btn--danger"
        disabled={busy || !confirmed(typed, "promote")}
      >
        Promote this appliance
      </button>
      {busy && (
        <p class="field__hint" role="status" data-testid="promote-waiting">
          Waiting for the primary's lease to end…
        </p>
      )}
    </form>
  );
}
