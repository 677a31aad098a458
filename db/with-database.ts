/**
 * Launcher used by `npm start`, `npm test` and the CLI wrapper: makes sure a migrated database exists, then
 * runs the given command with DATABASE_URL (and local secrets) in its environment.
 *
 *   tsx db/with-database.ts [--test] [--bootstrap] -- <command...>
 *
 * Without DATABASE_URL it starts the embedded Postgres (data under .data/). With --test it works in a fresh
 * scratch database (created on the server from DATABASE_URL, or in a throw-away embedded cluster) that is
 * dropped afterwards, so test runs never see each other's data. With --bootstrap it creates the first admin
 * when there are no users. It prints nothing on stdout itself (the CLI's --json output stays clean).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import nextEnv from "@next/env"; // a CommonJS bundle: no named exports under ESM
import postgres from "postgres";
import { embeddedUrl, startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded";
import { runMigrations } from "./migrate";
import { ensureLocalSecrets } from "@/lib/security/secrets";

const argv = process.argv.slice(2);
const testMode = argv.includes("--test");
const bootstrap = argv.includes("--bootstrap");
const sep = argv.indexOf("--");
const command = sep >= 0 ? argv.slice(sep + 1) : [];
if (command.length === 0) {
  console.error("usage: tsx db/with-database.ts [--test] -- <command...>");
  process.exit(2);
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** EMBEDDED_PG_PORT, checked here: the launcher runs before lib/env.ts validates the rest. */
function embeddedPort(): number {
  const raw = process.env.EMBEDDED_PG_PORT ?? "54329";
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1024 || port > 65535) throw new Error(`EMBEDDED_PG_PORT must be a port number from 1024 to 65535 (it is "${raw}").`);
  return port;
}

/** The embedded server may already run for another process (the app, while the CLI is used): share it. */
async function runningEmbedded(): Promise<string | undefined> {
  const url = embeddedUrl(embeddedPort(), "contact_sync");
  const probe = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await probe`select 1`;
    return url;
  } catch {
    return undefined;
  } finally {
    await probe.end({ timeout: 1 }).catch(() => {});
  }
}

async function main(): Promise<number> {
  // .env files as `next start` reads them (never over variables already set), before anything looks at the
  // environment: the database, the secrets and the first admin come from the same settings as the app.
  // Not for tests: a developer's .env must not point a test run at their own database.
  if (!testMode) nextEnv.loadEnvConfig(process.cwd(), false, { info: () => {}, error: (...a: unknown[]) => console.error(...a) });
  Object.assign(process.env, ensureLocalSecrets());
  let embedded: EmbeddedDatabase | undefined;
  let url = process.env.DATABASE_URL;
  let scratch: { admin: string; name: string } | undefined;

  if (!url && !testMode) url = await runningEmbedded();
  if (!url) {
    embedded = testMode
      ? await startEmbeddedPostgres({ dataDir: `.data/test-postgres-${process.pid}`, port: 54330 + (process.pid % 500), persistent: false })
      : await startEmbeddedPostgres({ dataDir: process.env.EMBEDDED_PG_DIR ?? ".data/postgres", port: embeddedPort(), persistent: true });
    url = embedded.url;
    if (!testMode) {
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      const [exists] = await admin`select 1 from pg_database where datname = 'contact_sync'`;
      if (!exists) await admin.unsafe("create database contact_sync");
      await admin.end();
      url = withDatabase(url, "contact_sync");
    }
  }
  if (testMode) {
    const name = `contact_sync_test_${randomBytes(4).toString("hex")}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    scratch = { admin: url, name };
    url = withDatabase(url, name);
  }

  await runMigrations(url);
  process.env.DATABASE_URL = url;
  if (bootstrap) {
    const { ensureFirstAdmin } = await import("@/lib/auth/bootstrap");
    const { getDb, closeDb } = await import("./client");
    await ensureFirstAdmin(getDb(), (line) => console.error(line));
    await closeDb();
  }

  const child = spawn(command[0], command.slice(1), { stdio: "inherit", env: process.env, shell: false });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  const code: number = await new Promise((resolve) => child.on("exit", (c, s) => resolve(c ?? (s ? 1 : 0))));

  if (scratch) {
    const admin = postgres(scratch.admin, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${scratch.name} with (force)`).catch(() => {});
    await admin.end();
  }
  if (embedded) await embedded.stop();
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
