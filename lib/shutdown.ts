import { inArray } from "drizzle-orm";
import { closeDb, getDb, getSql } from "@/db/client";
import { runs } from "@/db/schema";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { enqueueRunNotification } from "@/lib/notify";
import { stopScheduler } from "@/lib/schedule/scheduler";
import { activeRunIds, waitForActiveRuns } from "@/lib/sync/active-runs";

export const SERVER_STOPPED_MESSAGE =
  "The server was stopped before this import finished. Nothing was changed; run it again.";

const g = globalThis as unknown as { __contactSyncShutdown?: boolean };

/**
 * Graceful shutdown on SIGTERM (container runtimes, systemd) and SIGINT (Ctrl-C): the scheduler stops claiming,
 * runs in flight get SHUTDOWN_GRACE_SECONDS to finish, those still going are marked failed ("the server was
 * stopped", their error email queued), the pools close, and the process exits. Installed once per process by
 * instrumentation.ts. Next.js's own handlers (which exit at once) are removed; the launcher also sets
 * NEXT_MANUAL_SIG_HANDLE so Next never installs them.
 */
export function isShuttingDown(): boolean {
  return g.__contactSyncShutdown === true;
}

export function installShutdownHandlers(): void {
  if (g.__contactSyncShutdown !== undefined) return;
  g.__contactSyncShutdown = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (g.__contactSyncShutdown) return; // a second signal while shutting down changes nothing
      g.__contactSyncShutdown = true;
      void shutdown(signal).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  }
}

export async function shutdown(signal: string, graceSeconds = env.SHUTDOWN_GRACE_SECONDS): Promise<void> {
  const started = Date.now();
  const inFlight = activeRunIds();
  logger.info("shutting down", { signal, graceSeconds, runsInFlight: inFlight.length });
  try {
    await stopScheduler({ waitForRuns: false });
    const allFinished = await waitForActiveRuns(graceSeconds * 1000);
    if (!allFinished) await markStopped(activeRunIds());
  } catch (e) {
    logger.error("shutdown: could not finish cleanly", { err: e });
  } finally {
    // At once: a run marked stopped must not commit after all (its open transaction is rolled back).
    await closeDb(0).catch(() => undefined);
    logger.info("shut down", { ms: Date.now() - started });
  }
}

/** Mark runs that are still going failed. A run committing right now keeps its own result (status re-checked). */
async function markStopped(runIds: string[]): Promise<void> {
  if (runIds.length === 0) return;
  const stopped = await getSql().begin(async (tx) => {
    await tx`set local lock_timeout = '5s'`;
    return tx<{ id: string }[]>`
      update runs set status = 'failed', finished_at = now(), message = ${SERVER_STOPPED_MESSAGE}
      where id = any(${runIds}::uuid[]) and status in ('queued', 'running')
      returning id`;
  });
  if (stopped.length === 0) return;
  logger.warn("shutdown: runs still in flight marked failed", { runIds: stopped.map((r) => r.id) });
  const db = getDb();
  const rows = await db
    .select()
    .from(runs)
    .where(
      inArray(
        runs.id,
        stopped.map((r) => r.id),
      ),
    );
  for (const run of rows) await enqueueRunNotification(db, run).catch(() => undefined);
}
