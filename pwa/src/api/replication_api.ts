/**
 * Standby replication's browser endpoints (issue 7), typed by the server's contract: this
 * appliance's role and lag, a pairing code (admin, primary), promotion (admin, standby), detach
 * (admin, a primary whose standby is gone).
 */
import type {
  PairingCodeView,
  ReplicationStatusView,
} from "../../../server/contract/replication.ts";
import type { ApiClient } from "./client.ts";

export function createReplicationApi(client: ApiClient) {
  return {
    status: () => client.get<ReplicationStatusView>("/api/replication/status"),
    pairingCode: () => client.send<PairingCodeView>("POST", "/api/replication/pairing-codes", {}),
    promote: (confirm: string) =>
      client.send<unknown>("POST", "/api/replication/promote", { confirm }),
    detach: (confirm: string) =>
      client.send<ReplicationStatusView>("POST", "/api/replication/detach", { confirm }),
  };
}

export type ReplicationApi = ReturnType<typeof createReplicationApi>;
