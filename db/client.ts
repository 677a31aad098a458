import postgres from "postgres";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import * as schema from "@/db/schema";
import { env } from "@/lib/env";

export type Db = PostgresJsDatabase<typeof schema>;
export type Sql = postgres.Sql;

type Clients = { db: Db; sql: Sql; drizzleSql: Sql };

// One set of clients per process (kept on globalThis so Next's dev reloads don't open new pools).
const g = globalThis as unknown as { __contactSyncDb?: Clients };

function databaseUrl(): string {
  const url = env.DATABASE_URL;
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set. Start the app with `npm start` (which runs an embedded Postgres) or set DATABASE_URL.",
    );
  }
  return url;
}

function open(): Clients {
  const url = databaseUrl();
  const options = { max: 10, idle_timeout: 30, connect_timeout: 10, onnotice: () => {} };
  // Drizzle changes the type parsers of the client it wraps, so raw SQL and COPY get a client of their own.
  const drizzleSql = postgres(url, options);
  const sql = postgres(url, options);
  return { db: drizzle(drizzleSql, { schema }), sql, drizzleSql };
}

function clients(): Clients {
  g.__contactSyncDb ??= open();
  return g.__contactSyncDb;
}

/** The drizzle client. */
export function getDb(): Db {
  return clients().db;
}

/** The raw postgres.js client, for COPY, advisory locks and set-based SQL. */
export function getSql(): Sql {
  return clients().sql;
}

/**
 * The pool under the drizzle client (its date types stay text): the CLI checks the migrations on it, so that the
 * connection its first queries need is the one already open.
 */
export function getDrizzlePool(): Sql {
  return clients().drizzleSql;
}

/** Close the pools (CLI, tests, shutdown): queries still running get `timeoutSeconds`, then are cut off. */
export async function closeDb(timeoutSeconds = 5): Promise<void> {
  const c = g.__contactSyncDb;
  g.__contactSyncDb = undefined;
  if (c) await Promise.all([c.sql.end({ timeout: timeoutSeconds }), c.drizzleSql.end({ timeout: timeoutSeconds })]);
}

export { schema };
