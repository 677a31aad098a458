import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";

const MIGRATION_LOCK = 7_204_113; // arbitrary, constant advisory lock id for migrations
const folder = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

/** The time (`when`) of the newest migration in the journal: drizzle records it as the applied one's `created_at`. */
function newestMigrationMillis(migrationsFolder: string): number {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as {
    entries: { when: number }[];
  };
  return Math.max(0, ...journal.entries.map((e) => e.when));
}

/**
 * Whether the database already has every committed migration, by drizzle's own rule: it applies a migration
 * when the newest `created_at` it recorded is older than the migration's `when`. One query, no lock, no
 * migration file read: what every CLI start pays. A database never migrated has no such table: not current.
 */
async function isCurrent(sql: postgres.Sql, migrationsFolder: string): Promise<boolean> {
  try {
    const [last] = await sql<{ created_at: string | null }[]>`
      select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`;
    return !!last && Number(last.created_at) >= newestMigrationMillis(migrationsFolder);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "42P01" || code === "3F000") return false; // no table, no schema
    throw e;
  }
}

/**
 * Apply the committed migrations (or those of `migrationsFolder`, for tests). Safe when several instances boot
 * at once: they queue on an advisory lock. `check`: a client of the same database to look with first (the CLI
 * passes the pool its command then uses, so that an up-to-date database costs no connection of its own).
 */
export async function runMigrations(
  databaseUrl: string,
  options: { migrationsFolder?: string; check?: postgres.Sql } = {},
): Promise<void> {
  const migrationsFolder = options.migrationsFolder ?? folder;
  if (options.check && (await isCurrent(options.check, migrationsFolder))) return;
  // fetch_types off: this client reads no array, so the driver's query for array types is a wasted round trip.
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {}, fetch_types: false });
  try {
    if (!options.check && (await isCurrent(sql, migrationsFolder))) return;
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await migrate(drizzle(sql), { migrationsFolder });
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
