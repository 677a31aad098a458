/**
 * The database side of the scheduler. Postgres is the only coordinator between app instances:
 * due syncs are locked with FOR UPDATE SKIP LOCKED, so two instances never claim the same sync, and in the same
 * transaction next_run_at moves past now and the occurrence's run row is queued. The run row exists before the
 * transaction commits, so an occurrence is never run twice, and never lost silently: if the process dies before
 * executing it, the queued run is found stale and marked failed.
 */
import type postgres from "postgres";
import type { Schedule } from "@/db/schema";
import { AppError, isAppError } from "@/lib/errors";
import { logger } from "@/lib/log";
import { computeNextRunAt } from "@/lib/schedule/next-run";

type Sql = postgres.Sql;

export type ClaimedOccurrence = {
  syncId: string;
  /** The occurrence being run (the next_run_at that was due). */
  scheduledFor: Date;
  /** What next_run_at became: the first occurrence after now, or null when the range has ended. */
  nextRunAt: Date | null;
  /** The queued run for this occurrence. */
  runId: string;
};

export type ClaimResult = {
  claimed: ClaimedOccurrence[];
  /** Syncs whose stored schedule no longer parses (or that cannot be scheduled): next_run_at cleared, nothing run. */
  invalid: { syncId: string; message: string }[];
};

/**
 * Claim up to `limit` due syncs: lock them (skipping rows other instances hold), advance next_run_at to the
 * first occurrence after the database's now — occurrences missed while every instance was down collapse into
 * this one catch-up run — and queue one run per claimed occurrence. Syncs that already have a queued or running
 * run are left due: they are claimed once that run has finished.
 */
export async function claimDueSyncs(sql: Sql, opts: { limit: number }): Promise<ClaimResult> {
  if (opts.limit < 1) return { claimed: [], invalid: [] };
  return sql.begin(async (tx) => {
    const [{ now }] = await tx<{ now: Date }[]>`select now() as now`;
    const due = await tx<{ id: string; schedule: Schedule | null; next_run_at: Date; source_kind: string | null }[]>`
      select s.id, s.schedule, s.next_run_at, s.source_kind
      from syncs s
      where s.state = 'active' and s.next_run_at is not null and s.next_run_at <= ${now}
        and not exists (select 1 from runs r where r.sync_id = s.id and r.status in ('queued', 'running'))
      order by s.next_run_at
      limit ${opts.limit}
      for update of s skip locked`;
    if (due.length === 0) return { claimed: [], invalid: [] };

    const invalid: ClaimResult["invalid"] = [];
    const plans: { syncId: string; scheduledFor: Date; next: Date | null; run: boolean }[] = [];
    for (const row of due) {
      try {
        // Only sources that can be fetched again can be scheduled; an upload is read once.
        if (row.source_kind === "upload")
          throw new AppError("not_schedulable", "An import from an uploaded file cannot run on a schedule.");
        plans.push({
          syncId: row.id,
          scheduledFor: row.next_run_at,
          next: computeNextRunAt(row.schedule, now),
          run: true,
        });
      } catch (e) {
        const message = isAppError(e) ? e.message : String(e);
        invalid.push({ syncId: row.id, message });
        plans.push({ syncId: row.id, scheduledFor: row.next_run_at, next: null, run: false });
        logger.error("scheduler: stored schedule is invalid; next run cleared", { syncId: row.id, error: message });
      }
    }

    await tx`
      update syncs s set next_run_at = v.next::timestamptz, updated_at = now()
      from unnest(${plans.map((p) => p.syncId)}::uuid[], ${plans.map((p) => (p.next ? p.next.toISOString() : null))}::text[]) as v(id, next)
      where s.id = v.id`;

    const toRun = plans.filter((p) => p.run);
    const inserted = toRun.length
      ? await tx<{ id: string; sync_id: string }[]>`
          insert into runs (sync_id, trigger, status, scheduled_for)
          select v.sync_id, 'schedule', 'queued', v.scheduled_for
          from unnest(${toRun.map((p) => p.syncId)}::uuid[], ${toRun.map((p) => p.scheduledFor.toISOString())}::timestamptz[]) as v(sync_id, scheduled_for)
          on conflict (sync_id) where status in ('queued', 'running') do nothing
          returning id, sync_id`
      : [];
    const runIds = new Map(inserted.map((r) => [r.sync_id, r.id]));
    const claimed: ClaimedOccurrence[] = [];
    for (const p of toRun) {
      const runId = runIds.get(p.syncId);
      // A run started by hand between our check and the insert: that run covers this occurrence.
      if (!runId)
        logger.info("scheduler: occurrence skipped, a run of this sync is already active", {
          syncId: p.syncId,
          scheduledFor: p.scheduledFor.toISOString(),
        });
      else claimed.push({ syncId: p.syncId, scheduledFor: p.scheduledFor, nextRunAt: p.next, runId });
    }
    return { claimed, invalid };
  });
}

export const STALE_RUN_MESSAGE =
  "The process running this import stopped before it finished; nothing was applied. Run it again with Go, or wait for its next scheduled time.";

/**
 * Mark runs orphaned by a dead process as failed: queued or running, with no heartbeat (or start, or queueing)
 * for `staleSeconds`. A run's changes are applied in one transaction, so a dead run changed nothing.
 */
export async function failStaleRuns(sql: Sql, staleSeconds: number): Promise<{ runId: string; syncId: string }[]> {
  const rows = await sql<{ id: string; sync_id: string }[]>`
    update runs set status = 'failed', finished_at = now(), message = ${STALE_RUN_MESSAGE}
    where id in (
      select id from runs
      where status in ('queued', 'running')
        and coalesce(heartbeat_at, started_at, queued_at) < now() - make_interval(secs => ${staleSeconds})
      -- A run finishing right now holds its row in the apply transaction: it is alive, do not wait for it.
      for update skip locked)
    returning id, sync_id`;
  for (const r of rows) logger.warn("scheduler: stale run marked failed", { runId: r.id, syncId: r.sync_id });
  return rows.map((r) => ({ runId: r.id, syncId: r.sync_id }));
}

/** Keep the heartbeat of runs this process is executing fresh, so a slow step is not mistaken for a dead process. */
export async function touchRuns(sql: Sql, runIds: string[]): Promise<void> {
  if (runIds.length === 0) return;
  // SKIP LOCKED: a run committing its apply transaction holds the row; never make the heartbeat wait for it.
  await sql`
    update runs set heartbeat_at = now()
    where id in (select id from runs where id = any(${runIds}::uuid[]) and status in ('queued', 'running') for update skip locked)`;
}
