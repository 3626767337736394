import { CaCertQuerySchema, SettingsPatchSchema } from "../contract/api.ts";
import { actorOf } from "../auth/principal.ts";
import { NotFoundError } from "../errors.ts";
import { route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { SettingsService, TlsFacts } from "./service.ts";

/** The DER bytes inside a one-certificate PEM. */
function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  const b64 = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
}

export function settingsRoutes(deps: { settings: SettingsService; tls: TlsFacts }): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/settings",
      access: "viewer",
      handle: () => deps.settings.view(),
    }),
    route({
      method: "PATCH",
      path: "/api/settings",
      access: "admin",
      body: SettingsPatchSchema,
      handle: ({ body, principal, ip }) => deps.settings.update(actorOf(principal, ip), body),
    }),
    // Public on purpose: a phone must fetch the CA certificate before it can trust the appliance.
    route({
      method: "GET",
      path: "/api/tls/ca.crt",
      access: "public",
      query: CaCertQuerySchema,
      handle({ query }) {
        if (!deps.tls.caCertPem) {
          throw new NotFoundError("CA certificate (TLS is off on this appliance)");
        }
        const der = query.format === "der";
        return new Response(der ? pemToDer(deps.tls.caCertPem) : deps.tls.caCertPem, {
          headers: {
            "content-type": "application/x-x509-ca-cert",
            "content-disposition": `attachment; filename="cairn-ca.${der ? "cer" : "crt"}"`,
            "cache-control": "no-cache",
          },
        });
      },
    }),
  ];
}
