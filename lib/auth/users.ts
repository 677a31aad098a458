import { asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { users, type User } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { hashPassword, verifyPassword } from "./passwords";
import type { Role } from "./roles";

export const MIN_PASSWORD_LENGTH = 10;

export type StaffRow = Pick<User, "id" | "email" | "name" | "role" | "disabledAt" | "createdAt">;

export async function listUsers(db: Db): Promise<StaffRow[]> {
  return db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, disabledAt: users.disabledAt, createdAt: users.createdAt })
    .from(users)
    .orderBy(asc(sql`lower(${users.email})`));
}

export async function getUserById(db: Db, id: string): Promise<User | null> {
  const [user] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return user ?? null;
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError("weak_password", `A password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
}

/** Create a staff account (admin page and CLI `user create`). Emails are unique case-insensitively. */
export async function createUser(db: Db, input: { email: string; name?: string; role: Role; password: string }): Promise<StaffRow> {
  const email = input.email.trim();
  // Checked here too, not only by the admin page's form: the CLI creates accounts as well.
  if (email.length > 320 || !z.email().safeParse(email).success) throw new AppError("invalid_email", `"${email}" is not a valid email address.`);
  checkPassword(input.password);
  const [created] = await db
    .insert(users)
    .values({ email, name: input.name?.trim() ?? "", role: input.role, passwordHash: await hashPassword(input.password) })
    .onConflictDoNothing()
    .returning();
  if (!created) throw new AppError("email_taken", `A user with the email ${email} already exists.`, 409);
  return created;
}

/**
 * Change a user's role or enabled state, keeping at least one active admin: admins cannot lock everyone out.
 * One transaction that first locks the active admins' rows, so two admins demoting or disabling each other at
 * the same moment cannot both pass the check (the second waits, then counts again). Returns the user before
 * and after the change.
 */
export async function changeUserAccess(db: Db, id: string, change: { role?: Role; disabled?: boolean }): Promise<{ before: User; after: User }> {
  return db.transaction(async (tx) => {
    const admins = await tx.select({ id: users.id }).from(users).where(sql`${users.role} = 'admin' and ${users.disabledAt} is null`).for("update");
    const [before] = await tx.select().from(users).where(eq(users.id, id)).for("update");
    if (!before) throw new AppError("not_found", "This user no longer exists.", 404);
    const activeAdmin = (u: { role: Role; disabled: boolean }) => u.role === "admin" && !u.disabled;
    const was = activeAdmin({ role: before.role, disabled: before.disabledAt !== null });
    const will = activeAdmin({ role: change.role ?? before.role, disabled: change.disabled ?? before.disabledAt !== null });
    if (was && !will && !admins.some((a) => a.id !== before.id))
      throw new AppError("last_admin", "This is the only active admin: make another user admin first.", 409);
    const [after] = await tx
      .update(users)
      .set({
        ...(change.role ? { role: change.role } : {}),
        ...(change.disabled === undefined ? {} : { disabledAt: change.disabled ? sql`coalesce(${users.disabledAt}, now())` : null }),
      })
      .where(eq(users.id, id))
      .returning();
    return { before, after };
  });
}

/** Change one's own password: the current one must be right. Ends the user's other sessions. */
export async function changeOwnPassword(db: Db, id: string, current: string, next: string): Promise<User> {
  const user = await getUserById(db, id);
  if (!user) throw new AppError("not_found", "User not found.", 404);
  if (!(await verifyPassword(current, user.passwordHash))) throw new AppError("wrong_password", "The current password is not right.");
  checkPassword(next);
  const [updated] = await db.update(users).set({ passwordHash: await hashPassword(next) }).where(eq(users.id, id)).returning();
  return updated;
}

/** An admin sets someone's password (forgotten password). Ends that user's sessions. */
export async function setUserPassword(db: Db, id: string, password: string): Promise<User> {
  checkPassword(password);
  const [updated] = await db.update(users).set({ passwordHash: await hashPassword(password) }).where(eq(users.id, id)).returning();
  if (!updated) throw new AppError("not_found", "User not found.", 404);
  return updated;
}
