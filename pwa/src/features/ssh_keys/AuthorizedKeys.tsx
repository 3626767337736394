import { useEffect, useState } from "preact/hooks";
import type {
  AuthorizedKeysView,
  RepositoryView,
  SshKeyView,
} from "../../../../server/contract/backups.ts";
import type { BackupsApi } from "../../api/backups_api.ts";
import { SelectField } from "../../components/Field.tsx";
import { errorMessage } from "../common/use_action.ts";
import { Checkbox } from "../plans/form_parts.tsx";
import { CopyButton } from "./CopyButton.tsx";

/** The line to paste into the server's authorized_keys, restricted to one repository. */
export function AuthorizedKeys(
  props: { sshKey: SshKeyView; repositories: RepositoryView[]; api: BackupsApi },
) {
  const usable = props.repositories.filter((r) =>
    r.location.kind === "ssh" || r.location.kind === "sftp"
  );
  const [repositoryId, setRepositoryId] = useState(
    usable.find((r) => r.sshKeyId === props.sshKey.id)?.id ?? "",
  );
  const [appendOnly, setAppendOnly] = useState(true);
  const [view, setView] = useState<AuthorizedKeysView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    props.api.sshKeys.authorizedKeys(props.sshKey.id, {
      repositoryId: repositoryId || undefined,
      appendOnly: repositoryId ? appendOnly : undefined,
    }).then(
      (v) => live && (setView(v), setError(null)),
      (err) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [props.sshKey.id, repositoryId, appendOnly]);
  return (
    <div class="authorized-keys">
      <div class="form form--inline">
        <SelectField
          label="For repository"
          value={repositoryId}
          options={[
            { value: "", label: "Any use (no restriction)" },
            ...usable.map((r) => ({ value: r.id, label: `${r.name} (${r.engine})` })),
          ]}
          onValue={setRepositoryId}
        />
        <Checkbox
          label="Append-only"
          checked={appendOnly}
          onValue={setAppendOnly}
          disabled={!repositoryId}
        />
      </div>
      {error && <p class="field__error">{error}</p>}
      {view && (
        <>
          <div class="secret">
            <code aria-label={`authorized_keys line for ${props.sshKey.name}`}>{view.line}</code>
            <CopyButton text={view.line} label="Copy the authorized_keys line" />
          </div>
          <p class="field__hint">{view.explanation}</p>
        </>
      )}
    </div>
  );
}
