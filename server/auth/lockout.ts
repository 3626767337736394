/**
 * Failure counting shared by password logins and agent authentication: ten failures under one
 * key (an account, an agent key, an address) within an hour lock that key for an hour.
 */
import type { Clock } from "../clock.ts";
import { TooManyRequestsError } from "../errors.ts";
import type { AuthRepo } from "./repo.ts";

export const LOCKOUT_LIMIT = 10;
export const LOCKOUT_MS = 60 * 60 * 1000;

export interface Lockout {
  /** Throws 429 with Retry-After when any key is locked. */
  assertOpen(keys: string[]): Promise<void>;
  recordFailure(keys: string[]): Promise<void>;
  clear(key: string): Promise<void>;
}

export function createLockout(
  repo: Pick<AuthRepo, "findFailure" | "saveFailure" | "clearFailure">,
  clock: Clock,
): Lockout {
  return {
    async assertOpen(keys) {
      const now = clock.now();
      for (const key of keys) {
        const f = await repo.findFailure(key);
        if (f?.lockedUntil && f.lockedUntil > now) {
          const seconds = Math.ceil((f.lockedUntil - now) / 1000);
          throw new TooManyRequestsError(
            `Too many failed attempts; try again in ${Math.ceil(seconds / 60)} minutes`,
            seconds,
          );
        }
      }
    },
    async recordFailure(keys) {
      const now = clock.now();
      for (const key of keys) {
        const f = await repo.findFailure(key);
        const fresh = !f || now - f.firstAt > LOCKOUT_MS ||
          (f.lockedUntil !== null && f.lockedUntil <= now);
        const failures = fresh ? 1 : f.failures + 1;
        await repo.saveFailure(key, {
          failures,
          firstAt: fresh ? now : f.firstAt,
          lockedUntil: failures >= LOCKOUT_LIMIT ? now + LOCKOUT_MS : null,
        });
      }
    },
    clear: (key) => repo.clearFailure(key),
  };
}
