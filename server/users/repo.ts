import type { Db } from "../db/connect.ts";
import type { Role, UsersTable } from "../db/schema.ts";

export interface User {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
  passwordChangedAt: number;
  lastLoginAt: number | null;
}

export interface UserWithHash extends User {
  passwordHash: string;
}

function toUser(row: UsersTable): UserWithHash {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    disabled: row.disabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    passwordChangedAt: row.password_changed_at,
    lastLoginAt: row.last_login_at,
    passwordHash: row.password_hash,
  };
}

export function withoutHash({ passwordHash: _, ...user }: UserWithHash): User {
  return user;
}

export function createUsersRepo(db: Db) {
  return {
    async countUsers(): Promise<number> {
      const row = await db.selectFrom("users").select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async findUserById(id: string): Promise<UserWithHash | undefined> {
      const row = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toUser(row);
    },
    async findUserByName(username: string): Promise<UserWithHash | undefined> {
      const row = await db.selectFrom("users").selectAll().where("username", "=", username)
        .executeTakeFirst();
      return row && toUser(row);
    },
    async listUsers(): Promise<User[]> {
      const rows = await db.selectFrom("users").selectAll().orderBy("username").execute();
      return rows.map((r) => withoutHash(toUser(r)));
    },
    async insertUser(
      u: { id: string; username: string; passwordHash: string; role: Role; now: number },
    ) {
      await db.insertInto("users").values({
        id: u.id,
        username: u.username,
        password_hash: u.passwordHash,
        role: u.role,
        disabled: 0,
        created_at: u.now,
        updated_at: u.now,
        password_changed_at: u.now,
        last_login_at: null,
      }).execute();
    },
    /** Inserts the first user only while the table is empty; false when someone was first. */
    async insertFirstUser(
      u: { id: string; username: string; passwordHash: string; now: number },
    ): Promise<boolean> {
      return await db.transaction().execute(async (tx) => {
        const any = await tx.selectFrom("users").select("id").limit(1).executeTakeFirst();
        if (any) return false;
        await tx.insertInto("users").values({
          id: u.id,
          username: u.username,
          password_hash: u.passwordHash,
          role: "admin",
          disabled: 0,
          created_at: u.now,
          updated_at: u.now,
          password_changed_at: u.now,
          last_login_at: null,
        }).execute();
        return true;
      });
    },
    async updateUser(id: string, patch: { role?: Role; disabled?: boolean; now: number }) {
      await db.updateTable("users").set({
        ...(patch.role !== undefined ? { role: patch.role } : {}),
        ...(patch.disabled !== undefined ? { disabled: patch.disabled ? 1 : 0 } : {}),
        updated_at: patch.now,
      }).where("id", "=", id).execute();
    },
    async setPassword(id: string, passwordHash: string, now: number) {
      await db.updateTable("users").set({
        password_hash: passwordHash,
        password_changed_at: now,
        updated_at: now,
      })
        .where("id", "=", id).execute();
    },
    async markLogin(id: string, now: number) {
      await db.updateTable("users").set({ last_login_at: now }).where("id", "=", id).execute();
    },
    async countActiveAdmins(): Promise<number> {
      const row = await db.selectFrom("users").select((eb) => eb.fn.countAll<number>().as("n"))
        .where("role", "=", "admin").where("disabled", "=", 0).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
