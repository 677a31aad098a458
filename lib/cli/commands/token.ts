import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { users } from "@/db/schema";
import { parseWith } from "@/lib/api/body";
import { createApiTokenFrom, revokeApiToken } from "@/lib/auth/api-tokens";
import { tokenCreateSchema } from "@/lib/auth/token-schema";
import { CliFailure, output, parse, required, UsageError, type CommandContext } from "@/lib/cli/io";

/**
 * `token create --name N --role R [--expires YYYY-MM-DD] [--user EMAIL] --json`: prints the token once.
 * The token acts as --user (default: the first admin).
 */
export async function tokenCreate({ argv, json }: CommandContext): Promise<void> {
  const { values } = parse(argv, {
    name: { type: "string" },
    role: { type: "string" },
    expires: { type: "string" },
    user: { type: "string" },
  });
  required(values.name, "--name");
  required(values.role, "--role");
  const db = getDb();
  let input: ReturnType<typeof tokenCreateSchema.parse>;
  try {
    input = parseWith(tokenCreateSchema, { name: values.name, role: values.role, expiresAt: values.expires ?? null });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const [owner] = values.user
    ? await db.select().from(users).where(sql`lower(${users.email}) = lower(${values.user})`)
    : await db
        .select()
        .from(users)
        .where(and(eq(users.role, "admin"), isNull(users.disabledAt)))
        .orderBy(asc(users.createdAt))
        .limit(1);
  if (!owner)
    throw new CliFailure(values.user ? `No user with the email ${values.user}.` : "There is no active admin.");
  const created = await createApiTokenFrom(db, { ...input, userId: owner.id }, null);
  output(
    json,
    created,
    `${created.token}\nCreated token "${created.name}" (${created.id}), role ${created.role}, for ${owner.email}. It is shown only now.`,
  );
}

/** `token revoke ID` */
export async function tokenRevoke({ argv, json }: CommandContext): Promise<void> {
  const { positionals } = parse(argv, {}, true);
  if (positionals.length !== 1) throw new UsageError("token revoke takes exactly one token ID");
  const revoked = await revokeApiToken(getDb(), positionals[0], null);
  output(json, revoked, `Revoked token "${revoked.name}" (${revoked.id}).`);
}
