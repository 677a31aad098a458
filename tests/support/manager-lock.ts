import type postgres from "postgres";
import { expect } from "vitest";
import { managerLockName } from "@/lib/sync/apply";

/**
 * Take a manager's lock (the one imports, deletion and key-field changes serialise on) in an open transaction
 * on a connection of its own. `sql` runs statements under it; `commit()` lets the waiters in; `release()`
 * (in a finally) gives the connection back.
 */
export async function holdManagerLock(sql: postgres.Sql, managerId: string) {
  const holder = await sql.reserve();
  await holder`begin`;
  await holder`select pg_advisory_xact_lock(hashtextextended(${managerLockName(managerId)}, 0))`;
  return { sql: holder, commit: async () => void (await holder`commit`), release: () => holder.release() };
}

/** Resolves once a transaction waits for the manager's lock (it shows up in pg_locks, not granted). */
export async function untilManagerLockAwaited(sql: postgres.Sql, managerId: string): Promise<void> {
  const waiting = () => sql`
    select 1 from pg_locks where locktype = 'advisory' and not granted
      and ((classid::bigint << 32) | objid::bigint) = hashtextextended(${managerLockName(managerId)}, 0)`;
  await expect.poll(async () => (await waiting()).length, { timeout: 10_000 }).toBe(1);
}
