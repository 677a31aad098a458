import { asc, eq } from "drizzle-orm";
import { getDb, type Db } from "@/db/client";
import { managers, notifications, runErrors, syncs, type Run } from "@/db/schema";
import { logger } from "@/lib/log";
import { drainWebhookDeliveries } from "@/lib/notify/webhook-delivery";
import { enqueueRunWebhooks } from "@/lib/notify/webhooks";
import { drainOutbox, enqueueNotification } from "@/lib/notify/outbox";
import { buildRunMessage, maxListedErrors, notifiedStatuses } from "@/lib/notify/run-message";

export { drainOutbox, enqueueNotification, listOutbox, retryDelayMs, MAX_ATTEMPTS } from "@/lib/notify/outbox";
export type { Notification, DrainResult, OutboxEntry } from "@/lib/notify/outbox";
export { drainWebhookDeliveries } from "@/lib/notify/webhook-delivery";
export { runPageUrl } from "@/lib/notify/run-message";

/**
 * Queue (once per run) the error email for a failed, blocked or completed-with-errors run. Returns the
 * queued message's id, or null when the run needs none (or has one already).
 */
export async function enqueueRunNotification(db: Db, run: Run): Promise<string | null> {
  // A warning (the after-import move/delete failed) is mailed also for an otherwise successful run.
  if ((!(notifiedStatuses as readonly string[]).includes(run.status) && !run.warning) || run.dryRun) return null;
  const [row] = await db
    .select({ sync: syncs, managerName: managers.name })
    .from(syncs)
    .innerJoin(managers, eq(managers.id, syncs.managerId))
    .where(eq(syncs.id, run.syncId));
  if (!row) return null;
  const to = row.sync.errorEmail?.trim();
  if (!to) {
    logger.debug("run finished with errors; the sync has no error email", { runId: run.id, syncId: run.syncId });
    return null;
  }
  const [already] = await db
    .select({ id: notifications.id })
    .from(notifications)
    .where(eq(notifications.runId, run.id))
    .limit(1);
  if (already) return null;
  const errors = await db
    .select({ line: runErrors.line, column: runErrors.column, message: runErrors.message })
    .from(runErrors)
    .where(eq(runErrors.runId, run.id))
    .orderBy(asc(runErrors.id))
    .limit(maxListedErrors);
  const { subject, body } = buildRunMessage({ run, sync: row.sync, managerName: row.managerName, errors });
  return (await enqueueNotification(db, { runId: run.id, to, subject, body })).id;
}

/**
 * Called by the engine when a run ends. Queues the error email when the run needs one and tries to deliver
 * it at once; the scheduler heartbeat retries what could not be sent. Never throws: a mail problem must not
 * turn a finished run into a failed one.
 */
export async function notifyRunFinished(run: Run): Promise<void> {
  const db = getDb();
  try {
    const id = await enqueueRunNotification(db, run);
    if (id) await drainOutbox(db, { ids: [id] });
  } catch (e) {
    logger.error("could not queue or send the run notification", {
      runId: run.id,
      err: e,
    });
  }
  try {
    const ids = await enqueueRunWebhooks(db, run);
    if (ids.length) await drainWebhookDeliveries(db, { ids, limit: ids.length });
  } catch (e) {
    logger.error("could not queue or send the run's webhooks", {
      runId: run.id,
      err: e,
    });
  }
}
