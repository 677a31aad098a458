/**
 * The scheduler heartbeat that runs in every app instance (started by instrumentation.ts, once per process).
 * Each beat: keep the heartbeat of this process's runs fresh, mark runs orphaned by dead processes failed
 * (and send their error email), claim due syncs (lib/schedule/claim.ts) and execute their queued runs through the engine, in the background,
 * then retry error emails that are due (lib/notify outbox).
 * croner only provides the beat; the RRULE logic decides when syncs are due. Each instance claims at most as
 * many syncs as it has free run slots, so the others pick up the rest.
 */
import { Cron } from "croner";
import { inArray } from "drizzle-orm";
import { getDb, getSql } from "@/db/client";
import { runs } from "@/db/schema";
import { env } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/log";
import { drainOutbox, drainWebhookDeliveries, notifyRunFinished } from "@/lib/notify";
import { executeRun } from "@/lib/sync/run";
import { claimDueSyncs, failStaleRuns, touchRuns, type ClaimedOccurrence } from "@/lib/schedule/claim";
import { removeStaleDrafts } from "@/lib/wizard/stale-drafts";

export { computeNextRunAt } from "@/lib/schedule/next-run";

export type SchedulerOptions = {
  /** Seconds between beats (default env.SCHEDULER_INTERVAL_SECONDS). */
  intervalSeconds?: number;
  /** Runs this instance executes at once (default env.SCHEDULER_MAX_CONCURRENT_RUNS). */
  maxConcurrentRuns?: number;
  /** A queued/running run without heartbeat for this long is marked failed (default env.RUN_STALE_SECONDS). */
  staleSeconds?: number;
};

export type TickResult = { claimed: ClaimedOccurrence[]; staleFailed: number; invalidSchedules: number };

export class Scheduler {
  private cron: Cron | null = null;
  private readonly inflight = new Map<string, Promise<void>>();
  private beating: Promise<TickResult> | null = null;
  /** When the last beat completed (readiness: a scheduler that stopped beating is not ready). */
  lastBeatAt: Date | null = null;
  private lastDraftSweep = 0;
  private readonly opts: Required<SchedulerOptions>;

  constructor(opts: SchedulerOptions = {}) {
    this.opts = {
      intervalSeconds: opts.intervalSeconds ?? env.SCHEDULER_INTERVAL_SECONDS,
      maxConcurrentRuns: opts.maxConcurrentRuns ?? env.SCHEDULER_MAX_CONCURRENT_RUNS,
      staleSeconds: opts.staleSeconds ?? env.RUN_STALE_SECONDS,
    };
  }

  get intervalSeconds(): number {
    return this.opts.intervalSeconds;
  }

  get running(): boolean {
    return this.cron !== null;
  }

  /** Runs this instance is executing now. */
  get activeRuns(): string[] {
    return [...this.inflight.keys()];
  }

  start(): void {
    if (this.cron) return;
    // Every second, but at least `interval` seconds apart; `protect` skips a beat while the previous one works.
    this.cron = new Cron(
      "* * * * * *",
      { interval: this.opts.intervalSeconds, protect: true, name: "contact-sync-scheduler" },
      () => {
        void this.tick().catch((e) => logger.error("scheduler: heartbeat failed", { err: e }));
      },
    );
    logger.info("scheduler started", {
      intervalSeconds: this.opts.intervalSeconds,
      maxConcurrentRuns: this.opts.maxConcurrentRuns,
    });
  }

  /** Stop beating; with `waitForRuns` (default) also wait for the runs this instance started. */
  async stop(opts: { waitForRuns?: boolean } = {}): Promise<void> {
    this.cron?.stop();
    this.cron = null;
    await this.beating?.catch(() => undefined);
    if (opts.waitForRuns ?? true) await Promise.allSettled([...this.inflight.values()]);
  }

  /** One heartbeat. Concurrent calls share the beat in progress. */
  tick(): Promise<TickResult> {
    this.beating ??= this.beat().finally(() => {
      this.beating = null;
    });
    return this.beating;
  }

  private async beat(): Promise<TickResult> {
    const sql = getSql();
    await touchRuns(sql, this.activeRuns);
    const stale = await failStaleRuns(sql, this.opts.staleSeconds);
    // The instance that marked a run failed (UPDATE … RETURNING) sends its error email, so it goes out once.
    if (stale.length) {
      const failed = await getDb()
        .select()
        .from(runs)
        .where(
          inArray(
            runs.id,
            stale.map((r) => r.runId),
          ),
        );
      for (const run of failed) await notifyRunFinished(run);
    }
    const free = this.opts.maxConcurrentRuns - this.inflight.size;
    const { claimed, invalid } = await claimDueSyncs(sql, { limit: free });
    for (const occurrence of claimed) this.launch(occurrence);
    // Error emails whose delivery failed are retried from here (the outbox claims rows, so once per message).
    await drainOutbox(getDb()).catch((e) => logger.warn("scheduler: outbox drain failed", { err: e }));
    await drainWebhookDeliveries(getDb()).catch((e) => logger.warn("scheduler: webhook drain failed", { err: e }));
    this.lastBeatAt = new Date();
    await this.sweepDrafts();
    return { claimed, staleFailed: stale.length, invalidSchedules: invalid.length };
  }

  /** At most hourly: remove wizard drafts untouched for DRAFT_RETENTION_DAYS (any instance may; it is idempotent). */
  private async sweepDrafts(): Promise<void> {
    if (Date.now() - this.lastDraftSweep < 3_600_000) return;
    this.lastDraftSweep = Date.now();
    try {
      const removed = await removeStaleDrafts(getDb(), env.DRAFT_RETENTION_DAYS);
      if (removed.length) logger.info("scheduler: removed stale drafts", { count: removed.length });
    } catch (e) {
      logger.warn("scheduler: draft cleanup failed", { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private launch(o: ClaimedOccurrence): void {
    const context = {
      syncId: o.syncId,
      runId: o.runId,
      scheduledFor: o.scheduledFor.toISOString(),
      nextRunAt: o.nextRunAt?.toISOString() ?? null,
    };
    logger.info("scheduler: running scheduled occurrence", context);
    const done = executeRun(o.runId)
      .then((summary) => logger.info("scheduler: scheduled run finished", { ...context, status: summary.status }))
      .catch((e) => {
        // run_not_queued: the run was taken or marked stale meanwhile; it is recorded there, not run twice.
        if (isAppError(e))
          logger.warn("scheduler: scheduled run not executed", { ...context, code: e.code, error: e.message });
        else
          logger.error("scheduler: scheduled run crashed", {
            ...context,
            err: e,
          });
      })
      .finally(() => this.inflight.delete(o.runId));
    this.inflight.set(o.runId, done);
  }
}

// One scheduler per process, kept on globalThis so Next's dev reloads and repeated register() calls share it.
const g = globalThis as unknown as { __contactSyncScheduler?: Scheduler };

/** Start this process's scheduler (idempotent). */
export function startScheduler(opts?: SchedulerOptions): Scheduler {
  g.__contactSyncScheduler ??= new Scheduler(opts);
  g.__contactSyncScheduler.start();
  return g.__contactSyncScheduler;
}

/** This process's scheduler, if started. */
export function currentScheduler(): Scheduler | undefined {
  return g.__contactSyncScheduler;
}

/** Stop this process's scheduler and (by default) wait for its runs to finish. */
export async function stopScheduler(opts?: { waitForRuns?: boolean }): Promise<void> {
  const s = g.__contactSyncScheduler;
  g.__contactSyncScheduler = undefined;
  await s?.stop(opts);
}
