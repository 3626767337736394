/** Accounts managed by admins: create, change role, disable, reset a password. */
import type { Actor, AuditService } from "../audit/service.ts";
import { checkPasswordStrength } from "../auth/service.ts";
import { hashPassword } from "../auth/password.ts";
import type { AuthRepo } from "../auth/repo.ts";
import type { Clock } from "../clock.ts";
import type { Role } from "../db/schema.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { newId } from "../ids.ts";
import type { User, UsersRepo } from "./repo.ts";
import { withoutHash } from "./repo.ts";

export function createUsersService(
  deps: {
    repo: UsersRepo;
    sessions: Pick<AuthRepo, "deleteSessionsOfUser">;
    audit: AuditService;
    clock: Clock;
  },
) {
  const { repo, audit, clock } = deps;

  async function mustFind(id: string) {
    const user = await repo.findUserById(id);
    if (!user) throw new NotFoundError("User", id);
    return user;
  }

  return {
    list: (): Promise<User[]> => repo.listUsers(),
    get: async (id: string): Promise<User> => withoutHash(await mustFind(id)),

    async create(
      actor: Actor,
      input: { username: string; password: string; role: Role },
    ): Promise<User> {
      checkPasswordStrength(input.password, input.username);
      if (await repo.findUserByName(input.username)) {
        throw new ConflictError(`User name is taken: ${input.username}`, "username_taken");
      }
      const now = clock.now();
      const id = newId("usr", now);
      await repo.insertUser({
        id,
        username: input.username,
        passwordHash: await hashPassword(input.password),
        role: input.role,
        now,
      });
      await audit.record(actor, {
        action: "user.create",
        target: { type: "user", id },
        details: { username: input.username, role: input.role },
      });
      return withoutHash(await mustFind(id));
    },

    async update(
      actor: Actor,
      id: string,
      patch: { role?: Role; disabled?: boolean },
    ): Promise<User> {
      const user = await mustFind(id);
      const losesAdmin = user.role === "admin" && !user.disabled &&
        ((patch.role !== undefined && patch.role !== "admin") || patch.disabled === true);
      if (losesAdmin && (await repo.countActiveAdmins()) <= 1) {
        throw new ConflictError("Cairn needs at least one active admin", "last_admin");
      }
      await repo.updateUser(id, { ...patch, now: clock.now() });
      if (patch.disabled === true || (patch.role !== undefined && patch.role !== user.role)) {
        await deps.sessions.deleteSessionsOfUser(id);
      }
      await audit.record(actor, {
        action: "user.update",
        target: { type: "user", id },
        details: { ...patch },
      });
      return withoutHash(await mustFind(id));
    },

    async resetPassword(actor: Actor, id: string, password: string) {
      const user = await mustFind(id);
      checkPasswordStrength(password, user.username);
      await repo.setPassword(id, await hashPassword(password), clock.now());
      await deps.sessions.deleteSessionsOfUser(id);
      await audit.record(actor, { action: "user.password_reset", target: { type: "user", id } });
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
