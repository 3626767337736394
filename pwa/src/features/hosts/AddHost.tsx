import { useEffect, useRef, useState } from "preact/hooks";
import type { CreatedEnrollmentTokenView } from "../../../../server/contract/hosts.ts";
import { Field } from "../../components/Field.tsx";
import { formatTime } from "../../components/format.ts";
import { QrCode } from "../../components/QrCode.tsx";
import { useAction } from "../common/use_action.ts";
import type { HostsApi } from "./hosts_api.ts";

/** "Add host": mint a one-time enrollment token and show its install command, once. */
export function AddHost(props: { api: HostsApi; onClose(): void }) {
  const { busy, run } = useAction();
  const [name, setName] = useState("");
  const [tags, setTags] = useState("");
  const [made, setMade] = useState<CreatedEnrollmentTokenView | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    const tagList = tags.split(/[\s,]+/).filter(Boolean);
    const r = await run(() =>
      props.api.addHost({
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(tagList.length ? { tags: tagList } : {}),
      })
    );
    if (r.ok) setMade(r.value);
  };

  if (made) return <InstallCommand made={made} onDone={props.onClose} />;
  return (
    <section class="card" aria-labelledby="add-host-title">
      <h2 id="add-host-title">Add a host</h2>
      <p class="card__lead">
        Cairn makes a one-time install command, good for an hour. Run it as root on the host: it
        installs the agent from this appliance and the host joins approved.
      </p>
      <form class="form form--inline" onSubmit={submit}>
        <Field
          label="Name (optional)"
          value={name}
          onValue={setName}
          maxLength={80}
          autoComplete="off"
          placeholder="e.g. web-1"
        />
        <Field
          label="Tags (optional)"
          value={tags}
          onValue={setTags}
          autoComplete="off"
          placeholder="e.g. prod eu"
        />
        <button type="submit" class="btn btn--primary" disabled={busy}>Make install command</button>
        <button type="button" class="btn btn--ghost" onClick={props.onClose}>Cancel</button>
      </form>
    </section>
  );
}

function InstallCommand(props: { made: CreatedEnrollmentTokenView; onDone(): void }) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const m = props.made;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(m.installCommand);
      setCopied("yes");
    } catch {
      setCopied("failed"); // the browser refused the clipboard: the command can be selected by hand
    }
  };
  return (
    <section class="card" aria-labelledby="install-title">
      <h2 id="install-title" ref={heading} tabIndex={-1}>Install command</h2>
      <p>
        Run this as root on the new host before{" "}
        {formatTime(m.token.expiresAt)}. It is shown only now; it works once.
      </p>
      <div class="secret">
        <code aria-label="Install command">{m.installCommand}</code>
        <button type="button" class="btn btn--primary" onClick={copy}>
          {copied === "yes" ? "Copied" : "Copy"}
        </button>
      </div>
      <p class="field__hint" role="status">
        {copied === "yes" && "The command is on the clipboard."}
        {copied === "failed" &&
          "Copying was refused by the browser; select the command and copy it."}
      </p>
      <div class="cert">
        <QrCode text={m.installCommand} label="The install command as a QR code" />
        <dl class="facts">
          <dt>Agent already installed?</dt>
          <dd>
            <code>{m.enrollCommand}</code>
          </dd>
          <dt>This appliance</dt>
          <dd>
            <code>{m.applianceFingerprint}</code>
            <br />
            {m.appliancePhrase}
          </dd>
        </dl>
      </div>
      <p class="field__hint">
        The host checks the appliance's fingerprint itself before it sends anything.
      </p>
      <button type="button" class="btn" onClick={props.onDone}>Done</button>
    </section>
  );
}
