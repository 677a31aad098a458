import { desc, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { auditLog } from "@/db/schema";

/** Who did it; `tokenId` when the change came through an API token (kept in the entry's details). */
export type AuditActor = { id: string; email: string; tokenId?: string } | null;

/**
 * Record who changed what (managers, fields, users, syncs...). `details` must never hold secrets:
 * pass names and ids, not passwords or credentials.
 */
export async function audit(
  db: Db,
  entry: {
    user: AuditActor;
    action: string;
    targetType: string;
    targetId?: string | null;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  await db.insert(auditLog).values({
    userId: entry.user?.id ?? null,
    userEmail: entry.user?.email ?? null,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId ?? null,
    details: entry.user?.tokenId ? { ...entry.details, viaTokenId: entry.user.tokenId } : (entry.details ?? {}),
  });
}

export type AuditEntry = typeof auditLog.$inferSelect;

/** Newest first, one page at a time (offset is bounded by the page count the caller shows). */
export async function listAuditEntries(
  db: Db,
  opts: { page: number; pageSize: number },
): Promise<{ entries: AuditEntry[]; total: number }> {
  const page = Math.max(1, Math.floor(opts.page));
  const [{ total }] = await db.select({ total: sql<number>`count(*)::int` }).from(auditLog);
  const entries = await db
    .select()
    .from(auditLog)
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(opts.pageSize)
    .offset((page - 1) * opts.pageSize);
  return { entries, total };
}
