/**
 * The PWA's unit tests sit beside their modules in pwa/src (STYLE.md). The suite's test step
 * walks server, agent, test and scripts, so they are pulled in from here to run with `npm test`.
 */
import "../../pwa/src/api/client_test.ts";
import "../../pwa/src/features/settings/appliance_url_test.ts";
import "../../pwa/src/state/dashboard_store_test.ts";
import "../../pwa/src/state/router_store_test.ts";
