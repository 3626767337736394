import { useState } from "preact/hooks";
import type { PairingCodeView } from "../../../../server/contract/replication.ts";
import type { ReplicationApi } from "../../api/replication_api.ts";
import { formatTime } from "../../components/format.ts";
import { Notice } from "../../components/Notice.tsx";
import { useAction } from "../common/use_action.ts";

/** The exact lines to set on the standby, for the address this page was opened at. */
export function standbyLines(primaryUrl: string, code: string): string[] {
  return [`CAIRN_STANDBY_OF=${primaryUrl}`, `CAIRN_PAIRING_CODE=${code}`];
}

/** A primary's admin makes a one-time pairing code, shown once with the standby's settings. */
export function PairingCodePanel(props: { rep: ReplicationApi; paired: boolean }) {
  const { busy, run } = useAction();
  const [made, setMade] = useState<PairingCodeView | null>(null);
  const make = async () => {
    const r = await run(() => props.rep.pairingCode());
    if (r.ok) setMade(r.value);
  };
  if (made) {
    const lines = standbyLines(location.origin, made.code);
    return (
      <Notice kind="success">
        <h3>Pairing code</h3>
        <p>
          Start the standby appliance (same Cairn version) with these two settings. The code works
          once, until {formatTime(made.expiresAt)}, and is not shown again.
        </p>
        <div class="secret">
          <code data-testid="standby-lines">
            {lines[0]}
            <br />
            {lines[1]}
          </code>
        </div>
        <p class="field__hint">
          Use the address the standby reaches this appliance at if it differs from{" "}
          {location.origin}. Then compare the fingerprints on both appliances.
        </p>
        <button type="button" class="btn btn--ghost" onClick={() => setMade(null)}>Done</button>
      </Notice>
    );
  }
  return (
    <div class="form form--inline">
      <p class="field__hint">
        {props.paired
          ? "Pairing a new standby replaces the current one."
          : "No standby yet: make a pairing code and start a second appliance with it."}
      </p>
      <button type="button" class="btn btn--secondary" disabled={busy} onClick={make}>
        Make a pairing code
      </button>
    </div>
  );
}
