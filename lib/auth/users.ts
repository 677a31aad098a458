import { asc, eq, ilike, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { users, type User } from "@/db/schema";
import { AppError, gone, notFound } from "@/lib/errors";
import { hashPassword, verifyPassword } from "@/lib/auth/passwords";
import type { Role } from "@/lib/auth/roles";
import { likeContains } from "@/lib/like";

export const MIN_PASSWORD_LENGTH = 10;

export type StaffRow = Pick<User, "id" | "email" | "name" | "role" | "disabledAt" | "createdAt">;

/** The columns of a StaffRow (never the password hash). */
const staffColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  disabledAt: users.disabledAt,
  createdAt: users.createdAt,
};

/** One page of staff, sorted by email, optionally only those whose email or name contains `query`. */
export async function listUsersPage(
  db: Db,
  opts: { page: number; pageSize: number; query?: string },
): Promise<{ users: StaffRow[]; total: number }> {
  const page = Math.max(1, Math.floor(opts.page));
  const text = opts.query?.trim();
  const pattern = text ? likeContains(text) : null;
  const where = pattern ? or(ilike(users.email, pattern), ilike(users.name, pattern)) : undefined;
  const [{ total }] = await db.select({ total: sql<number>`count(*)::int` }).from(users).where(where);
  const rows = await db
    .select(staffColumns)
    .from(users)
    .where(where)
    .orderBy(asc(sql`lower(${users.email})`), asc(users.id))
    .limit(opts.pageSize)
    .offset((page - 1) * opts.pageSize);
  return { users: rows, total };
}

export async function listUsers(db: Db): Promise<StaffRow[]> {
  return db
    .select(staffColumns)
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
export async function createUser(
  db: Db,
  input: { email: string; name?: string; role: Role; password: string },
): Promise<StaffRow> {
  const email = input.email.trim();
  // Checked here too, not only by the admin page's form: the CLI creates accounts as well.
  if (email.length > 320 || !z.email().safeParse(email).success)
    throw new AppError("invalid_email", `"${email}" is not a valid email address.`);
  checkPassword(input.password);
  const [created] = await db
    .insert(users)
    .values({
      email,
      name: input.name?.trim() ?? "",
      role: input.role,
      passwordHash: await hashPassword(input.password),
    })
    .onConflictDoNothing()
    .returning();
  if (!created) throw new AppError("email_taken", `A user with the email ${email} already exists.`);
  return created;
}

/**
 * Change a user's role or enabled state, keeping at least one active admin: admins cannot lock everyone out.
 * One transaction that first locks the active admins' rows, so two admins demoting or disabling each other at
 * the same moment cannot both pass the check (the second waits, then counts again). Returns the user before
 * and after the change.
 */
export async function changeUserAccess(
  db: Db,
  id: string,
  change: { role?: Role; disabled?: boolean },
): Promise<{ before: User; after: User }> {
  return db.transaction(async (tx) => {
    const admins = await tx
      .select({ id: users.id })
      .from(users)
      .where(sql`${users.role} = 'admin' and ${users.disabledAt} is null`)
      .for("update");
    const [before] = await tx.select().from(users).where(eq(users.id, id)).for("update");
    if (!before) throw gone("user");
    const activeAdmin = (u: { role: Role; disabled: boolean }) => u.role === "admin" && !u.disabled;
    const was = activeAdmin({ role: before.role, disabled: before.disabledAt !== null });
    const will = activeAdmin({
      role: change.role ?? before.role,
      disabled: change.disabled ?? before.disabledAt !== null,
    });
    if (was && !will && !admins.some((a) => a.id !== before.id))
      throw new AppError("last_admin", "This is the only active admin: make another user admin first.");
    const [after] = await tx
      .update(users)
      .set({
        ...(change.role ? { role: change.role } : {}),
        ...(change.disabled === undefined
          ? {}
          : { disabledAt: change.disabled ? sql`coalesce(${users.disabledAt}, now())` : null }),
      })
      .where(eq(users.id, id))
      .returning();
    return { before, after };
  });
}

/** Change one's own password: the current one must be right. Ends the user's other sessions. */
export async function changeOwnPassword(db: Db, id: string, current: string, next: string): Promise<User> {
  const user = await getUserById(db, id);
  if (!user) throw notFound("user");
  if (!(await verifyPassword(current, user.passwordHash)))
    throw new AppError("wrong_password", "The current password is not right.");
  checkPassword(next);
  return (await storePassword(db, id, next))!; // read just above: the user is there
}

/** An admin sets someone's password (forgotten password). Ends that user's sessions. */
export async function setUserPassword(db: Db, id: string, password: string): Promise<User> {
  checkPassword(password);
  const updated = await storePassword(db, id, password);
  if (!updated) throw notFound("user");
  return updated;
}

/** Stores the hash of a user's new password: the user after, or undefined when there is no such user. */
async function storePassword(db: Db, id: string, password: string): Promise<User | undefined> {
  const [updated] = await db
    .update(users)
    .set({ passwordHash: await hashPassword(password) })
    .where(eq(users.id, id))
    .returning();
  return updated;
}
