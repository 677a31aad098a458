import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import type { notifications, webhookDeliveries } from "@/db/schema";

/** A claimed message is not picked up by another drainer for this long (covers a crash mid-send). */
const CLAIM_LEASE_SECONDS = 120;

/**
 * Claim the due pending rows of an outbox table (email notifications, webhook deliveries) for this drainer:
 * locked with FOR UPDATE SKIP LOCKED, one more attempt counted, and leased so no other drainer takes them
 * meanwhile. At most `limit` (default 20), the longest due first; with `ids`, only those. Returns their ids.
 */
export async function claimDue(
  db: Db,
  table: typeof notifications | typeof webhookDeliveries,
  opts: { limit?: number; now?: Date; ids?: string[] },
): Promise<{ id: string }[]> {
  // "Due" is judged by the database's clock, the one that stamped next_attempt_at: Node's Date has only
  // milliseconds, so a message queued a moment ago (microseconds) could look not due yet.
  const dbNow = opts.now ? sql`${opts.now.toISOString()}::timestamptz` : sql`clock_timestamp()`;
  const only = opts.ids ? sql`and id = any(${`{${opts.ids.join(",")}}`}::uuid[])` : sql``;
  return db.execute<{ id: string }>(sql`
    update ${table} set
      attempts = attempts + 1,
      next_attempt_at = ${dbNow} + make_interval(secs => ${CLAIM_LEASE_SECONDS})
    where id in (
      select id from ${table}
      where status = 'pending' and next_attempt_at <= ${dbNow} ${only}
      order by next_attempt_at
      limit ${opts.limit ?? 20}
      for update skip locked
    )
    returning id`);
}
