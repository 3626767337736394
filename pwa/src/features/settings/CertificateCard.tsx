import type { SettingsView } from "../../../../server/contract/api.ts";
import { QrCode } from "../../components/QrCode.tsx";
import { applianceUrl } from "./appliance_url.ts";

const PLATFORMS: { name: string; steps: string[] }[] = [
  {
    name: "iPhone and iPad",
    steps: [
      "Open this page in Safari and tap “Download certificate”, then “Allow”.",
      "Open Settings › General › VPN & Device Management, tap the Cairn profile, then Install.",
      "Open Settings › General › About › Certificate Trust Settings and switch on full trust for the Cairn CA.",
    ],
  },
  {
    name: "Android",
    steps: [
      "Tap “Download certificate”.",
      "Open Settings › Security › More security settings › Encryption & credentials › Install a certificate › CA certificate (names vary by maker).",
      "Pick the downloaded cairn-ca.crt and confirm.",
    ],
  },
  {
    name: "Windows",
    steps: [
      "Download the certificate and open it.",
      "Choose Install Certificate › Local Machine › “Place all certificates in the following store” › Trusted Root Certification Authorities.",
      "Restart the browser.",
    ],
  },
  {
    name: "macOS",
    steps: [
      "Download the certificate and open it: Keychain Access adds it to the System keychain.",
      "Double-click the Cairn CA there, open Trust, and set “When using this certificate” to Always Trust.",
    ],
  },
  {
    name: "Linux",
    steps: [
      "Debian or Ubuntu: copy it to /usr/local/share/ca-certificates/cairn-ca.crt and run sudo update-ca-certificates.",
      "Chrome and Chromium use their own store: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n Cairn -i cairn-ca.crt",
      "Firefox: Settings › Privacy & Security › Certificates › View Certificates › Authorities › Import.",
    ],
  },
];

/** HTTPS on the LAN: the CA certificate to download, a QR code for phones, and how to trust it. */
export function CertificateCard({ tls }: { tls: SettingsView["tls"] }) {
  const url = applianceUrl(location, tls.hostnames);
  return (
    <section class="card" aria-labelledby="cert-title">
      <h2 id="cert-title">Secure connection (HTTPS)</h2>
      {tls.enabled ? <TlsOn tls={tls} url={url} /> : <TlsOff url={url} />}
    </section>
  );
}

function TlsOn({ tls, url }: { tls: SettingsView["tls"]; url: string }) {
  return (
    <div class="cert">
      <div>
        <QrCode text={url} label={`QR code of the appliance address, ${url}`} />
        <p class="field__hint">Scan to open {url}</p>
      </div>
      <div>
        <p class="card__lead">
          This appliance signs its own certificate with a local certificate authority (CA). Trust
          that CA once on each device, and Cairn opens without warnings, installs as an app and can
          send notifications.
        </p>
        {tls.caAvailable && (
          <p>
            <a class="btn btn--primary" href="/api/tls/ca.crt" download="cairn-ca.crt">
              Download certificate
            </a>
          </p>
        )}
        <dl class="facts">
          {tls.caFingerprint && (
            <>
              <dt>CA fingerprint (SHA-256)</dt>
              <dd class="mono">{tls.caFingerprint}</dd>
            </>
          )}
          <dt>Names covered</dt>
          <dd>{tls.hostnames.join(", ") || "—"}</dd>
        </dl>
        <h3 class="section-title">Install it</h3>
        <div class="platforms">
          {PLATFORMS.map((p) => (
            <details key={p.name}>
              <summary>{p.name}</summary>
              <ol>{p.steps.map((s) => <li key={s}>{s}</li>)}</ol>
            </details>
          ))}
        </div>
      </div>
    </div>
  );
}

function TlsOff({ url }: { url: string }) {
  return (
    <>
      <p>
        HTTPS is off: this appliance serves plain HTTP at{" "}
        <code>{url}</code>. That is fine on this computer (localhost), but phones and other machines
        need HTTPS to install Cairn as an app, work offline and get notifications.
      </p>
      <p>
        To turn it on, start the appliance with{" "}
        <code>CAIRN_TLS=on</code>. It then creates its own certificate authority, serves HTTPS (port
        8443 by default), and this card offers the certificate to install on your devices.
        Alternatively, put Cairn behind a TLS proxy you already run and list it in{" "}
        <code>CAIRN_TRUSTED_PROXIES</code>.
      </p>
    </>
  );
}
