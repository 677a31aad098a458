import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { users } from "@/db/schema";
import { audit } from "@/lib/audit";
import { env } from "@/lib/env";
import { generatePassword, hashPassword } from "@/lib/auth/passwords";

/**
 * First start with no users: create the admin from ADMIN_EMAIL / ADMIN_PASSWORD, or with a generated
 * password that is printed once. Returns what was created, or null when users already exist.
 */
export async function ensureFirstAdmin(
  db: Db,
  log: (line: string) => void = console.log,
): Promise<{ email: string } | null> {
  const [{ count }] = await db.select({ count: sql<number>`count(*)::int` }).from(users);
  if (count > 0) return null;
  const email = env.ADMIN_EMAIL ?? "admin@example.com";
  const generated = !env.ADMIN_PASSWORD;
  const password = env.ADMIN_PASSWORD ?? generatePassword();
  const inserted = await db
    .insert(users)
    .values({ email, name: "Administrator", role: "admin", passwordHash: await hashPassword(password) })
    .onConflictDoNothing()
    .returning({ id: users.id });
  if (inserted.length === 0) return null; // another instance won the race
  await audit(db, {
    user: null,
    action: "user.create",
    targetType: "user",
    targetId: inserted[0].id,
    details: { email, role: "admin", via: "first start" },
  });
  if (generated) {
    log("");
    log("  First start: an admin account was created. This password is shown once:");
    log(`    email:    ${email}`);
    log(`    password: ${password}`);
    log("  Change it after signing in, or set ADMIN_EMAIL / ADMIN_PASSWORD before the first start.");
    log("");
  } else {
    log(`First start: admin ${email} created from ADMIN_EMAIL / ADMIN_PASSWORD.`);
  }
  return { email };
}
