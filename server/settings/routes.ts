import { SettingsPatchSchema } from "../contract/api.ts";
import { actorOf } from "../auth/principal.ts";
import { NotFoundError } from "../errors.ts";
import { route } from "../http/route.ts";
import type { Route } from "../http/route.ts";
import type { SettingsService, TlsFacts } from "./service.ts";

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
      handle() {
        if (!deps.tls.caCertPem) {
          throw new NotFoundError("CA certificate (TLS is off on this appliance)");
        }
        return new Response(deps.tls.caCertPem, {
          headers: {
            "content-type": "application/x-x509-ca-cert",
            "content-disposition": 'attachment; filename="cairn-ca.crt"',
            "cache-control": "no-cache",
          },
        });
      },
    }),
  ];
}
