/**
 * What the launcher (scripts/with-database.ts) and the CLI do before any work: make sure a migrated database
 * exists and put it, with the local secrets, into process.env.
 *
 * Without DATABASE_URL it uses this clone's shared embedded Postgres (lib/dev-db/server.ts), starting it when no
 * process has yet; it never stops it (`npm run db:stop` does). With `test` it works in a fresh scratch database
 * on that server (or on the server from DATABASE_URL), which `dropScratch` drops, so test runs never see each
 * other's data. With `bootstrap` it creates the first admin when there are no users. It writes nothing on
 * stdout (the CLI's --json output stays clean); its notices go to stderr.
 */
import { randomBytes } from "node:crypto";
import nextEnv from "@next/env"; // a CommonJS bundle: no named exports under ESM
import postgres from "postgres";
import { runMigrations } from "@/db/migrate";
import { ensureLocalSecrets } from "@/lib/security/secrets";

export type PrepareOptions = {
  test?: boolean;
  bootstrap?: boolean;
  loadDotenv?: boolean;
  /** A client of the database found (DATABASE_URL is set by then) to check the migrations with (db/migrate.ts). */
  migrationCheck?: () => Promise<postgres.Sql>;
};
export type Prepared = { url: string; dropScratch: () => Promise<void> };

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function createDatabase(serverUrl: string, name: string, ifMissing: boolean): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    if (ifMissing && (await admin`select 1 from pg_database where datname = ${name}`).length > 0) return;
    await admin.unsafe(`create database ${name}`);
  } catch (e) {
    // Two processes that found no database at once: the other one made it.
    if (!(ifMissing && (e as { code?: string }).code === "42P04")) throw e;
  } finally {
    await admin.end();
  }
}

async function embeddedServerUrl(): Promise<string> {
  // Loaded only without DATABASE_URL: it brings node:child_process, which no other CLI start needs.
  const { ensureSharedServer } = await import("@/lib/dev-db/server");
  const server = await ensureSharedServer();
  if (server.startedNow) {
    if (server.notice) console.error(server.notice);
    console.error(
      `Started the embedded Postgres (data in ${server.dataDir}, port ${server.port}). It keeps running for later ` +
        "starts, CLI commands and tests; `npm run db:stop` stops it.",
    );
  }
  return server.url;
}

export async function prepareDatabase(options: PrepareOptions = {}): Promise<Prepared> {
  const testMode = !!options.test;
  // .env files as `next start` reads them (never over variables already set), before anything looks at the
  // environment: the database, the secrets and the first admin come from the same settings as the app.
  // Not for tests: a developer's .env must not point a test run at their own database.
  if (!testMode && options.loadDotenv !== false)
    nextEnv.loadEnvConfig(process.cwd(), false, { info: () => {}, error: (...a: unknown[]) => console.error(...a) });
  Object.assign(process.env, ensureLocalSecrets());
  // Quiet test output: warnings and errors only, unless LOG_LEVEL asks for more.
  if (testMode) process.env.LOG_LEVEL ??= "warn";
  let url = process.env.DATABASE_URL;
  let scratch: { admin: string; name: string } | undefined;

  if (!url) {
    const server = await embeddedServerUrl();
    url = server;
    if (!testMode) {
      await createDatabase(server, "contact_sync", true);
      url = withDatabase(server, "contact_sync");
    }
  }
  if (testMode) {
    const name = `contact_sync_test_${randomBytes(4).toString("hex")}`;
    await createDatabase(url, name, false);
    scratch = { admin: url, name };
    url = withDatabase(url, name);
  }

  process.env.DATABASE_URL = url;
  await runMigrations(url, { check: await options.migrationCheck?.() });
  // The app's own graceful shutdown (lib/shutdown.ts) handles SIGTERM/SIGINT, not Next's immediate exit.
  process.env.NEXT_MANUAL_SIG_HANDLE = "true";
  if (options.bootstrap) {
    const { ensureFirstAdmin } = await import("@/lib/auth/bootstrap");
    const { getDb, closeDb } = await import("@/db/client");
    await ensureFirstAdmin(getDb(), (line) => console.error(line));
    await closeDb();
  }

  const dropScratch = async () => {
    if (!scratch) return;
    const admin = postgres(scratch.admin, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${scratch.name} with (force)`).catch(() => {});
    await admin.end();
  };
  return { url, dropScratch };
}
