import { useEffect, useState } from "preact/hooks";
import type { PlanPreview as Preview, PlanView } from "../../../../server/contract/backups.ts";
import type { BackupsApi } from "../../api/backups_api.ts";
import { SelectField } from "../../components/Field.tsx";
import { errorMessage } from "../common/use_action.ts";
import { KIND_LABEL } from "../jobs/job_words.ts";

/** The command lines a job of this plan would run on a host, secrets masked by the appliance. */
export function PlanPreview(props: { plan: PlanView; api: BackupsApi; version: string }) {
  const hosts = props.plan.hosts;
  const [hostId, setHostId] = useState(hosts[0]?.id ?? "");
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    props.api.plans.preview(props.plan.id, hostId || undefined).then(
      (p) => live && (setPreview(p), setError(null)),
      (err) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [props.plan.id, hostId, props.version]);
  return (
    <section class="card" aria-labelledby="preview-title">
      <h2 id="preview-title">Commands</h2>
      <p class="card__lead">What the agent will run for this plan. Secrets show as ***.</p>
      {hosts.length > 1 && (
        <SelectField
          label="On host"
          value={hostId}
          options={hosts.map((h) => ({ value: h.id, label: h.name }))}
          onValue={setHostId}
        />
      )}
      {error && <p class="field__error">Could not make the preview: {error}</p>}
      {preview && (
        <div class="preview" data-testid="plan-preview">
          {preview.commands.map((c, i) => (
            <div key={i} class="preview__command">
              <span class="badge">{KIND_LABEL[c.kind] ?? c.kind}</span>
              <pre><code>{c.line}</code></pre>
            </div>
          ))}
          {preview.environment.length > 0 && (
            <>
              <h3 class="preview__env-title">Environment</h3>
              <pre><code>{preview.environment.join("\n")}</code></pre>
            </>
          )}
        </div>
      )}
    </section>
  );
}
