/** Refusals of replication: each says why, and nothing was applied when one is thrown. */
import { AppError } from "../errors.ts";

export type RefusalCode =
  | "gap"
  | "stale_epoch"
  | "schema_mismatch"
  | "not_standby"
  | "not_primary"
  | "bootstrap_required"
  | "not_paired"
  | "unknown_appliance"
  | "bad_signature"
  | "bad_pairing_code";

export class ReplicationRefusedError extends AppError {
  constructor(readonly refusal: RefusalCode, message: string) {
    super(
      refusal === "unknown_appliance" || refusal === "bad_signature" ||
        refusal === "bad_pairing_code"
        ? 403
        : 409,
      refusal,
      message,
    );
  }
}

/** Every write to a standby gets this one answer. */
export class StandbyReadOnlyError extends AppError {
  constructor(primaryUrl: string | null) {
    super(
      409,
      "standby_read_only",
      `This appliance is a standby; the primary is ${primaryUrl ?? "not known yet"}`,
    );
  }
}
