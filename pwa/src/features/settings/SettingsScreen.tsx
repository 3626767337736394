import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { ApplianceCard } from "./ApplianceCard.tsx";
import { CertificateCard } from "./CertificateCard.tsx";
import { PasswordForm } from "./PasswordForm.tsx";
import { StandbyCard } from "../replication/StandbyCard.tsx";

export default function SettingsScreen() {
  const { api } = useStores();
  const loaded = useLoad(() => api.settings.get());
  const view = loaded.data;
  return (
    <section>
      <PageHeader
        title="Settings"
        lead="This appliance, your account, and secure access from other devices."
      />
      <LoadState loaded={loaded} what="settings" />
      {view && (
        <>
          <div class="two-col">
            <ApplianceCard view={view} onSaved={() => void loaded.reload()} />
            <PasswordForm />
          </div>
          <section class="card" aria-labelledby="notify-title">
            <h2 id="notify-title">Notifications</h2>
            <p class="card__lead">
              Push notifications on this device, and the channels alerts go to (ntfy, webhooks,
              email, Gotify, Discord, Slack).
            </p>
            <a class="btn btn--secondary" href="/settings/notifications">Notification settings</a>
          </section>
          <CertificateCard tls={view.tls} />
          <StandbyCard />
        </>
      )}
    </section>
  );
}
