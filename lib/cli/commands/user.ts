import { getDb } from "@/db/client";
import { roles, type Role } from "@/db/schema";
import { audit } from "@/lib/audit";
import { createUser } from "@/lib/auth/users";
import { output, parse, required, UsageError, type CommandContext } from "@/lib/cli/io";

/** `user create --email E --password P --role admin|editor|viewer` */
export async function userCreate({ argv, json }: CommandContext): Promise<void> {
  const { values } = parse(argv, { email: { type: "string" }, password: { type: "string" }, role: { type: "string" } });
  const email = required(values.email, "--email");
  const password = required(values.password, "--password");
  const role = required(values.role, "--role") as Role;
  if (!roles.includes(role)) throw new UsageError(`--role must be one of ${roles.join(", ")}`);
  const db = getDb();
  const user = await createUser(db, { email, password, role });
  await audit(db, {
    user: null,
    action: "user.create",
    targetType: "user",
    targetId: user.id,
    details: { email: user.email, role: user.role, via: "cli" },
  });
  output(json, { id: user.id, email: user.email, role: user.role }, `Created ${user.role} ${user.email} (${user.id}).`);
}
