/**
 * /settings/notifications: push on this device (and the user's other devices), then the
 * notification channels. Linked from Settings.
 */
import { useMemo } from "preact/hooks";
import { createNotifyApi } from "../../api/notify_api.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useStores } from "../../state/stores.ts";
import { ChannelsCard } from "../channels/ChannelsCard.tsx";
import { PushCard } from "./PushCard.tsx";

export default function NotificationsScreen() {
  const { api } = useStores();
  const notify = useMemo(() => createNotifyApi(api.client), [api]);
  return (
    <section>
      <PageHeader
        title="Notifications"
        lead="How Cairn tells you about failures: on this device, and through your channels."
      />
      <PushCard api={notify} />
      <ChannelsCard api={notify} />
      <p>
        <a href="/alerts?view=rules">Alert rules</a> · <a href="/settings">Settings</a>
      </p>
    </section>
  );
}
