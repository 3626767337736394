import { render } from "preact";
import { createCairnApi } from "./api/cairn_api.ts";
import { createApiClient } from "./api/client.ts";
import { App } from "./app.tsx";
import { createLocalCache } from "./state/local_cache.ts";
import { createStores } from "./state/stores.ts";
import { registerServiceWorker } from "./sw_register.ts";

let onUnauthenticated = () => {};
const api = createCairnApi(createApiClient({ onUnauthenticated: () => onUnauthenticated() }));
const stores = createStores({ api, cache: createLocalCache() });
onUnauthenticated = () => stores.session.expired();

render(<App stores={stores} />, document.getElementById("app")!);
void stores.session.start();
registerServiceWorker(stores.update);
