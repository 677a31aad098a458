import { desc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { notifications, runs, syncs } from "@/db/schema";
import { logger } from "@/lib/log";
import { claimDue } from "@/lib/notify/claim-due";
import { sendEmail } from "@/lib/notify/send";

export type Notification = typeof notifications.$inferSelect;

/** After this many failed attempts a message is given up ("failed"); it stays in the outbox. */
export const MAX_ATTEMPTS = 6;

/** Wait before attempt n+1 after n failed ones: 30 s, 1 min, 2 min, 4 min, 8 min (capped at 1 h). */
export function retryDelayMs(failedAttempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, failedAttempts - 1), 3_600_000);
}

/** Put a message in the outbox (status "pending"); `drainOutbox` delivers it. */
export async function enqueueNotification(
  db: Db,
  msg: { runId?: string | null; to: string; subject: string; body: string },
): Promise<Notification> {
  const [row] = await db
    .insert(notifications)
    .values({ runId: msg.runId ?? null, to: msg.to, subject: msg.subject, body: msg.body })
    .returning();
  return row;
}

export type DrainResult = { sent: number; logged: number; retrying: number; failed: number };

/**
 * Deliver due outbox messages. Safe to call from any number of processes at once: each message is claimed
 * with FOR UPDATE SKIP LOCKED and a lease, and sent with its id as the idempotency key. The scheduler
 * heartbeat drains the whole outbox (retries included); a finished run delivers its own message (`ids`).
 * `now` lets tests look at a later moment.
 */
export async function drainOutbox(
  db: Db,
  opts: { limit?: number; now?: Date; ids?: string[] } = {},
): Promise<DrainResult> {
  const now = opts.now ?? new Date();
  const result: DrainResult = { sent: 0, logged: 0, retrying: 0, failed: 0 };
  const claimed = await claimDue(db, notifications, opts);

  for (const { id } of claimed) {
    const [msg] = await db.select().from(notifications).where(eq(notifications.id, id));
    if (!msg) continue;
    const outcome = await sendEmail({
      to: msg.to,
      subject: msg.subject,
      body: msg.body,
      idempotencyKey: `notification-${msg.id}`,
    });
    if (outcome.kind === "sent") {
      await db
        .update(notifications)
        .set({ status: "sent", sentAt: new Date(), lastError: null })
        .where(eq(notifications.id, id));
      logger.info("notification sent", { notificationId: id, runId: msg.runId, providerId: outcome.providerId });
      result.sent++;
    } else if (outcome.kind === "no_provider") {
      await db.update(notifications).set({ status: "logged", lastError: null }).where(eq(notifications.id, id));
      logger.info("notification logged (RESEND_API_KEY is not set)", {
        notificationId: id,
        runId: msg.runId,
        to: msg.to,
        subject: msg.subject,
        body: msg.body,
      });
      result.logged++;
    } else if (outcome.retryable && msg.attempts < MAX_ATTEMPTS) {
      const next = new Date(now.getTime() + retryDelayMs(msg.attempts));
      await db
        .update(notifications)
        .set({ lastError: outcome.message, nextAttemptAt: next })
        .where(eq(notifications.id, id));
      logger.warn("notification delivery failed, will retry", {
        notificationId: id,
        attempts: msg.attempts,
        next: next.toISOString(),
        error: outcome.message,
      });
      result.retrying++;
    } else {
      await db
        .update(notifications)
        .set({ status: "failed", lastError: outcome.message })
        .where(eq(notifications.id, id));
      logger.error("notification delivery failed for good", {
        notificationId: id,
        attempts: msg.attempts,
        error: outcome.message,
      });
      result.failed++;
    }
  }
  return result;
}

export type OutboxEntry = Notification & { syncId: string | null; syncName: string | null; managerId: string | null };

/** The outbox, newest first, a page at a time, with the import each message is about (admin page). */
export async function listOutbox(
  db: Db,
  opts: { status?: Notification["status"]; page?: number; pageSize?: number } = {},
): Promise<{ entries: OutboxEntry[]; total: number }> {
  const pageSize = opts.pageSize ?? 50;
  const page = Math.max(1, opts.page ?? 1);
  const where = opts.status ? eq(notifications.status, opts.status) : undefined;
  const rows = await db
    .select({ n: notifications, syncId: syncs.id, syncName: syncs.name, managerId: syncs.managerId })
    .from(notifications)
    .leftJoin(runs, eq(runs.id, notifications.runId))
    .leftJoin(syncs, eq(syncs.id, runs.syncId))
    .where(where)
    .orderBy(desc(notifications.createdAt))
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  const [{ total }] = await db.select({ total: sql<number>`count(*)::int` }).from(notifications).where(where);
  return {
    entries: rows.map((r) => ({ ...r.n, syncId: r.syncId, syncName: r.syncName, managerId: r.managerId })),
    total,
  };
}
