/**
 * Sign-in: first-run setup, password logins with lockout, cookie sessions with idle and absolute
 * timeouts. The cookie carries 32 random bytes; the database keeps only their SHA-256, so a copy
 * of the database opens no session.
 */
import type { Actor, AuditService } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import { AppError, ConflictError, UnauthenticatedError, ValidationError } from "../errors.ts";
import { newId, randomToken, sha256Hex } from "../ids.ts";
import type { UsersRepo } from "../users/repo.ts";
import { withoutHash } from "../users/repo.ts";
import type { Lockout } from "./lockout.ts";
import { DUMMY_HASH, hashPassword, verifyPassword } from "./password.ts";
import type { Principal } from "./principal.ts";
import type { AuthRepo } from "./repo.ts";

const TOUCH_EVERY_MS = 60_000;

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export interface IssuedSession {
  cookieValue: string;
  csrfToken: string;
  expiresAt: number;
}

export function checkPasswordStrength(password: string, username: string) {
  if (password.length < 10) throw new ValidationError("Password must be at least 10 characters");
  if (password.toLowerCase() === username.toLowerCase()) {
    throw new ValidationError("Password must differ from the user name");
  }
}

export function createAuthService(deps: {
  repo: AuthRepo;
  users: UsersRepo;
  audit: AuditService;
  lockout: Lockout;
  clock: Clock;
  policy: SessionPolicy;
}) {
  const { repo, users, audit, lockout, clock } = deps;

  async function issueSession(
    userId: string,
    ip: string,
    userAgent: string,
  ): Promise<IssuedSession> {
    const now = clock.now();
    const cookieValue = randomToken(32);
    const csrfToken = randomToken(24);
    const expiresAt = now + deps.policy.absoluteMs;
    await repo.insertSession({
      id: sha256Hex(cookieValue),
      userId,
      csrfToken,
      now,
      expiresAt,
      ip,
      userAgent: userAgent.slice(0, 300),
    });
    return { cookieValue, csrfToken, expiresAt };
  }

  return {
    async setupRequired(): Promise<boolean> {
      return (await users.countUsers()) === 0;
    },

    /** Creates the first admin; refused once any user exists. */
    async setup(input: { username: string; password: string }, ip: string, userAgent: string) {
      checkPasswordStrength(input.password, input.username);
      const now = clock.now();
      const id = newId("usr", now);
      const ok = await users.insertFirstUser({
        id,
        username: input.username,
        passwordHash: await hashPassword(input.password),
        now,
      });
      if (!ok) throw new ConflictError("Setup is already done; sign in instead", "setup_done");
      await audit.record({ type: "user", id, name: input.username, ip }, {
        action: "setup.admin_created",
        target: { type: "user", id },
      });
      const user = await users.findUserById(id);
      return { user: withoutHash(user!), session: await issueSession(id, ip, userAgent) };
    },

    /** Creates the admin from CAIRN_ADMIN_PASSWORD on an unattended first start. */
    async bootstrapAdmin(password: string): Promise<boolean> {
      const now = clock.now();
      const id = newId("usr", now);
      const ok = await users.insertFirstUser({
        id,
        username: "admin",
        passwordHash: await hashPassword(password),
        now,
      });
      if (ok) {
        await audit.record({ type: "system", id: null, name: "system", ip: null }, {
          action: "setup.admin_created",
          target: { type: "user", id },
        });
      }
      return ok;
    },

    async login(input: { username: string; password: string }, ip: string, userAgent: string) {
      const keys = [`user:${input.username.toLowerCase()}`, `ip:${ip}`];
      await lockout.assertOpen(keys);
      const user = await users.findUserByName(input.username);
      const ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok || user.disabled) {
        await lockout.recordFailure(keys);
        await audit.record({
          type: "user",
          id: user?.id ?? null,
          name: input.username.slice(0, 64),
          ip,
        }, {
          action: "auth.login_failed",
          details: { reason: !user || !ok ? "bad_credentials" : "disabled" },
        });
        throw new AppError(
          401,
          "bad_credentials",
          "User name or password is wrong, or the account is disabled",
        );
      }
      await lockout.clear(keys[0]);
      await users.markLogin(user.id, clock.now());
      await audit.record({ type: "user", id: user.id, name: user.username, ip }, {
        action: "auth.login",
        target: { type: "user", id: user.id },
      });
      return { user: withoutHash(user), session: await issueSession(user.id, ip, userAgent) };
    },

    async logout(principal: Principal, ip: string) {
      if (principal.sessionId) await repo.deleteSession(principal.sessionId);
      await audit.record({ type: "user", id: principal.userId, name: principal.name, ip }, {
        action: "auth.logout",
      });
    },

    /** The principal for a session cookie, or null when it is unknown, expired or its user disabled. */
    async resolveSession(cookieValue: string): Promise<Principal | null> {
      if (cookieValue.length < 20 || cookieValue.length > 100) return null;
      const id = sha256Hex(cookieValue);
      const s = await repo.findSession(id);
      if (!s) return null;
      const now = clock.now();
      if (s.disabled || s.expiresAt <= now || s.lastSeenAt + deps.policy.idleMs <= now) {
        await repo.deleteSession(id);
        return null;
      }
      if (now - s.lastSeenAt > TOUCH_EVERY_MS) await repo.touchSession(id, now);
      return {
        kind: "session",
        id: s.userId,
        name: s.username,
        role: s.role,
        userId: s.userId,
        sessionId: id,
        csrfToken: s.csrfToken,
      };
    },

    async changeOwnPassword(
      principal: Principal,
      input: { currentPassword: string; newPassword: string },
      actor: Actor,
    ) {
      if (principal.kind !== "session") {
        throw new AppError(403, "forbidden", "API tokens cannot change passwords");
      }
      const user = await users.findUserById(principal.userId);
      if (!user) throw new UnauthenticatedError();
      await lockout.assertOpen([`user:${user.username.toLowerCase()}`]);
      if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
        await lockout.recordFailure([`user:${user.username.toLowerCase()}`]);
        throw new AppError(400, "bad_credentials", "The current password is wrong");
      }
      checkPasswordStrength(input.newPassword, user.username);
      await users.setPassword(user.id, await hashPassword(input.newPassword), clock.now());
      await repo.deleteSessionsOfUser(user.id, principal.sessionId);
      await audit.record(actor, {
        action: "user.password_changed",
        target: { type: "user", id: user.id },
      });
    },

    async pruneSessions() {
      const now = clock.now();
      await repo.deleteExpiredSessions(now - deps.policy.idleMs, now);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
