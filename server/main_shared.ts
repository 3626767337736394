/** The body of both entry points: start, report a bad configuration plainly, stop on SIGTERM/SIGINT. */
import { ConfigError, readConfig } from "./config.ts";
import { MigrationError } from "./db/migrate.ts";
import { ListenError } from "./runtime.ts";
import type { Runtime } from "./runtime.ts";
import { startAppliance } from "./appliance.ts";

export async function runMain(runtime: Runtime): Promise<void> {
  let appliance;
  try {
    appliance = await startAppliance(readConfig(runtime.env()), runtime);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof MigrationError || err instanceof ListenError) {
      console.error(`cairn: ${err.message}`);
      runtime.exit(2);
    }
    throw err;
  }
  const stop = () => {
    appliance.stop().then(() => runtime.exit(0), (err) => {
      console.error("cairn: shutdown failed", err);
      runtime.exit(1);
    });
  };
  runtime.onSignal("SIGTERM", stop);
  runtime.onSignal("SIGINT", stop);
  appliance.announce();
}
