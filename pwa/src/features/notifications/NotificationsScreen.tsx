/**
 * /settings/notifications: push on this device (and the user's other devices), then the
 * notification channels for operators (who see them) and admins (who change them). Linked from
 * Settings.
 */
import { useMemo } from "preact/hooks";
import { createNotifyApi } from "../../api/notify_api.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useStores } from "../../state/stores.ts";
import { ChannelsCard } from "../channels/ChannelsCard.tsx";
import { PushCard } from "./PushCard.tsx";

export default function NotificationsScreen() {
  const { api, session } = useStores();
  const notify = useMemo(() => createNotifyApi(api.client), [api]);
  return (
    <section>
      <PageHeader
        title="Notifications"
        lead="How Cairn tells you about failures: on this device, and through your channels."
      />
      <PushCard api={notify} />
      {/* Channels name where alerts go (and who reads them): operators and admins only. */}
      {session.can("operator") && <ChannelsCard api={notify} />}
      <p>
        <a href="/alerts?view=rules">Alert rules</a> · <a href="/settings">Settings</a>
      </p>
    </section>
  );
}
