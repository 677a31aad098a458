import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { hashPassword } from "@/lib/auth/passwords";

/**
 * Creates the e2e staff directly in the test database (DATABASE_URL comes from `npm test`): an admin, an
 * editor, a viewer, and one account reserved for the throttling test. Their emails and passwords reach the
 * tests through environment variables (workers inherit the runner's environment).
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error("E2E tests need DATABASE_URL: run them through `npm test` (scripts/with-database.ts --test).");
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const run = randomBytes(3).toString("hex");
  try {
    for (const role of ["admin", "editor", "viewer", "locked"] as const) {
      const email = `e2e-${role}-${run}@example.test`;
      const password = `pw-${role}-${randomBytes(8).toString("hex")}`;
      const dbRole = role === "locked" ? "viewer" : role;
      await sql`insert into users (email, name, role, password_hash)
        values (${email}, ${`E2E ${role}`}, ${dbRole}, ${await hashPassword(password)})`;
      process.env[`E2E_${role.toUpperCase()}_EMAIL`] = email;
      process.env[`E2E_${role.toUpperCase()}_PASSWORD`] = password;
    }
  } finally {
    await sql.end();
  }
}
