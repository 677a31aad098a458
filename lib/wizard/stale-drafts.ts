import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { syncs } from "@/db/schema";

/**
 * Wizard drafts nobody touched for `days` days are removed: abandoned attempts must not pile up in the
 * imports list. A draft never ran (runs start once it is active), so nothing else refers to it.
 * Returns the ids removed.
 */
export async function removeStaleDrafts(db: Db, days: number, now = new Date()): Promise<string[]> {
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const rows = await db
    .delete(syncs)
    .where(
      and(
        eq(syncs.state, "draft"),
        lt(syncs.updatedAt, cutoff),
        sql`not exists (select 1 from runs where runs.sync_id = ${syncs.id})`,
      ),
    )
    .returning({ id: syncs.id });
  return rows.map((r) => r.id);
}

/**
 * "Delete all" under the imports list's "Unfinished" line: removes the listed syncs that are still drafts
 * (an import activated meanwhile is left alone). Returns the names removed, for the audit log.
 */
export async function deleteDrafts(db: Db, ids: string[]): Promise<{ id: string; name: string; managerId: string }[]> {
  if (!ids.length) return [];
  return db
    .delete(syncs)
    .where(
      and(
        inArray(syncs.id, ids),
        eq(syncs.state, "draft"),
        sql`not exists (select 1 from runs where runs.sync_id = ${syncs.id})`,
      ),
    )
    .returning({ id: syncs.id, name: syncs.name, managerId: syncs.managerId });
}
