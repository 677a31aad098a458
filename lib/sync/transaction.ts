import postgres from "postgres";
import { env } from "@/lib/env";

export type RunSql = postgres.Sql;

// A killed backend shows up as a closed connection, a server error, or — depending on timing — the socket's
// own ECONNRESET / EPIPE (sources turn their network errors into SourceErrors first, so these are the database's).
const LOST = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01",
  "57P02",
  "57P03",
  "08006",
  "08003",
  "ECONNRESET",
  "EPIPE",
]);

export function isConnectionLost(e: unknown): boolean {
  return LOST.has((e as { code?: string })?.code ?? "");
}

/**
 * Run `fn` in one transaction on a connection of its own (not the shared pool), opened for this run.
 *
 * Why not `sql.begin()` on the pool: when the backend of a transaction dies (lost connection, terminated
 * backend), postgres.js 3.4 writes its own ROLLBACK to the closed socket from a setImmediate callback and
 * the process crashes with an uncatchable TypeError; the pooled connection then never reconnects
 * (porsager/postgres#1208, #1154). Here a lost connection is detected and nothing more is written to it
 * (the server has rolled the transaction back already); the client is simply discarded.
 */
export async function withRunTransaction<T>(fn: (sql: RunSql) => Promise<T>, opts: { name?: string } = {}): Promise<T> {
  const url = env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  // application_name lets operators see which run a backend serves (pg_stat_activity).
  const client = postgres(url, {
    max: 1,
    idle_timeout: 0,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: (opts.name ?? "contact-sync run").slice(0, 63) },
  });
  let lost = false;
  try {
    await client`begin`;
    const result = await fn(client);
    await client`commit`;
    return result;
  } catch (e) {
    lost = isConnectionLost(e);
    if (!lost) await client`rollback`.catch(() => {});
    throw e;
  } finally {
    await client.end({ timeout: lost ? 0 : 5 }).catch(() => {});
  }
}
