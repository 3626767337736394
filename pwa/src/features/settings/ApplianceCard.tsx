import { useState } from "preact/hooks";
import type { SettingsView } from "../../../../server/contract/api.ts";
import { Field } from "../../components/Field.tsx";
import { formatBytes, formatTime } from "../../components/format.ts";
import { useStores } from "../../state/stores.ts";
import { useAction } from "../common/use_action.ts";

/** What this appliance is and where it keeps its data; admins can rename it. */
export function ApplianceCard(props: { view: SettingsView; onSaved(v: SettingsView): void }) {
  const { api, session, dashboard } = useStores();
  const { busy, run } = useAction();
  const [name, setName] = useState(props.view.applianceName);
  const v = props.view;
  const admin = session.can("admin");

  const save = async (e: Event) => {
    e.preventDefault();
    const r = await run(() => api.settings.update({ applianceName: name.trim() }), "Name saved");
    if (r.ok) {
      props.onSaved(r.value);
      void dashboard.refresh();
    }
  };

  return (
    <section class="card" aria-labelledby="appliance-title">
      <h2 id="appliance-title">This appliance</h2>
      {admin && (
        <form class="form form--inline" onSubmit={save}>
          <Field
            label="Appliance name"
            value={name}
            onValue={setName}
            required
            maxLength={64}
            hint="Shown in the title bar and on phones, to tell appliances apart."
          />
          <button
            type="submit"
            class="btn btn--primary"
            disabled={busy || name.trim() === v.applianceName}
          >
            Save name
          </button>
        </form>
      )}
      <dl class="facts facts--spaced">
        {!admin && (
          <>
            <dt>Name</dt>
            <dd>{v.applianceName}</dd>
          </>
        )}
        <dt>Version</dt>
        <dd>{v.version}</dd>
        <dt>Runtime</dt>
        <dd>{v.runtime}</dd>
        <dt>Data directory</dt>
        <dd class="mono">{v.dataDir}</dd>
        <dt>Database size</dt>
        <dd>{formatBytes(v.databaseBytes)}</dd>
        <dt>Running since</dt>
        <dd>{formatTime(v.startedAt)}</dd>
      </dl>
    </section>
  );
}
