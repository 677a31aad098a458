import { runMigrations } from "@/db/migrate";
import { env } from "@/lib/env";
import { output, parse, type CommandContext } from "@/lib/cli/io";

export async function migrate({ argv, json }: CommandContext): Promise<void> {
  parse(argv, {});
  if (!env.DATABASE_URL) throw new Error("DATABASE_URL is not set");
  await runMigrations(env.DATABASE_URL);
  output(json, { migrated: true }, "Migrations applied.");
}
