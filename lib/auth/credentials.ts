import { sql as dsql } from "drizzle-orm";
import type { Db, Sql } from "@/db/client";
import { users, type User } from "@/db/schema";
import { logger } from "@/lib/log";
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from "@/lib/auth/passwords";
import { emailKey, ipKey, lockIfOverLimit, minutesLeft, recordSuccess, takeAttempt } from "@/lib/auth/throttle";

export type SignInResult =
  | { ok: true; user: User }
  | { ok: false; code: "invalid" | "locked" | "disabled"; message: string };

export const signInMessages = {
  invalid: "Wrong email or password.",
  disabled: "This account is disabled. Ask an administrator to enable it.",
  locked: (minutes: number) =>
    `Too many failed sign-in attempts. Sign-in is locked for ${minutes} minute${minutes === 1 ? "" : "s"}; try again later.`,
} as const;

/**
 * The one credentials check, used by the next-auth Credentials provider and the sign-in page's action.
 * Unknown emails still cost one argon2id verification, so timing does not reveal which accounts exist.
 */
export async function authorizeCredentials(
  db: Db,
  sql: Sql,
  input: { email: string; password: string; ip?: string | null },
): Promise<SignInResult> {
  const email = input.email.trim();
  const [user] = email
    ? await db.select().from(users).where(dsql`lower(${users.email}) = lower(${email})`).limit(1)
    : [];
  // Every spelling that finds the account counts against the account's own key (Postgres and JavaScript fold
  // some letters differently: "İ"), and the attempt is counted before the password is checked, so parallel
  // guesses cannot all get through before the lock.
  const keys = [emailKey(user?.email ?? email), ...(input.ip ? [ipKey(input.ip)] : [])];
  const locked = await takeAttempt(sql, keys);
  if (locked) {
    logger.warn("sign-in refused: throttled", { email: email.toLowerCase(), ip: input.ip ?? undefined });
    return { ok: false, code: "locked", message: signInMessages.locked(minutesLeft(locked)) };
  }
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !passwordOk) {
    await lockIfOverLimit(sql, keys);
    logger.info("sign-in failed", { email: email.toLowerCase(), ip: input.ip ?? undefined });
    return { ok: false, code: "invalid", message: signInMessages.invalid };
  }
  await recordSuccess(sql, keys);
  if (user.disabledAt) {
    logger.info("sign-in refused: disabled account", { userId: user.id });
    return { ok: false, code: "disabled", message: signInMessages.disabled };
  }
  logger.info("signed in", { userId: user.id, ip: input.ip ?? undefined });
  return { ok: true, user: await upgradeHash(db, user, input.password) };
}

/**
 * A hash from before today's staff cost is replaced now that the password is known. Only if the stored hash
 * is still the one checked (a password changed meanwhile wins). The session fingerprint follows the hash, so
 * this one upgrade also ends the user's other sessions, as a password change does.
 */
async function upgradeHash(db: Db, user: User, password: string): Promise<User> {
  if (!needsRehash(user.passwordHash)) return user;
  const passwordHash = await hashPassword(password);
  const [updated] = await db
    .update(users)
    .set({ passwordHash })
    .where(dsql`${users.id} = ${user.id} and ${users.passwordHash} = ${user.passwordHash}`)
    .returning();
  if (updated) logger.info("password hash upgraded to argon2id", { userId: user.id });
  return updated ?? user;
}

/** The client address: the right-most X-Forwarded-For entry (added by the nearest proxy, or by Next itself). */
export function clientIp(headers: Headers | Record<string, string | string[] | undefined>): string | null {
  const raw = headers instanceof Headers ? headers.get("x-forwarded-for") : headers["x-forwarded-for"];
  const value = Array.isArray(raw) ? raw.join(",") : raw;
  const last = value
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .pop();
  return last ? last.slice(0, 64) : null;
}
