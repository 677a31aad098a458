import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import type { Run } from "@/db/schema";
import { audit, type AuditActor } from "@/lib/audit";
import { searchFieldIds } from "@/lib/contacts/search-text";
import { managerLockName } from "@/lib/sync/apply";
import { AppError, type ErrorCode, notFound } from "@/lib/errors";

export type RevertResult = { restored: number; reverted: number; removed: number };
export type RevertCheck = { ok: true } | { ok: false; code: ErrorCode; reason: string };

/** Whether a run is of a kind that can be reverted at all (conflicts with later runs are checked apart). */
export function revertEligibility(
  run: Pick<Run, "status" | "dryRun" | "revertedAt" | "created" | "updated" | "deleted">,
): RevertCheck {
  if (run.revertedAt) return { ok: false, code: "already_reverted", reason: "This run has already been reverted." };
  if (run.dryRun) return { ok: false, code: "not_revertible", reason: "A dry run changed no contact." };
  if (run.status !== "succeeded" && run.status !== "completed_with_errors") {
    return { ok: false, code: "not_revertible", reason: "Only a completed run changed contacts; this one did not." };
  }
  if (run.created + run.updated + run.deleted === 0)
    return { ok: false, code: "nothing_to_revert", reason: "This run changed no contact." };
  return { ok: true };
}

type RunRow = {
  id: string;
  sync_id: string;
  manager_id: string;
  sync_name: string;
  status: Run["status"];
  dry_run: boolean;
  reverted_at: string | null;
  created: number;
  updated: number;
  deleted: number;
  finished_at: string | null;
};

const runQuery = (runId: string) => sql`
  select r.id, r.sync_id, s.manager_id, s.name as sync_name, r.status, r.dry_run, r.reverted_at::text as reverted_at,
         r.created, r.updated, r.deleted, r.finished_at::text as finished_at
  from runs r join syncs s on s.id = r.sync_id
  where r.id = ${runId}`;

const eligibilityOf = (run: RunRow) =>
  revertEligibility({
    status: run.status,
    dryRun: run.dry_run,
    revertedAt: run.reverted_at ? new Date() : null,
    created: run.created,
    updated: run.updated,
    deleted: run.deleted,
  });

/**
 * What the run changed, as the engine records it (lib/sync/apply.ts): contact_versions rows keep the state
 * before each update ('updated'), revival of a deleted key ('created' with the deleted state) and soft
 * delete ('deleted'); a contact inserted from nothing has no row: created_by_run tells (runs before that
 * change wrote a 'created' row without data, still read here). A revival leaves created_by_run alone.
 */
const changedBy = (run: RunRow) => sql`
  select contact_id, case when change = 'created' and data is null then 'inserted' else change end as change
  from contact_versions where run_id = ${run.id}
  union
  select c.id, 'inserted' from contacts c
  where c.manager_id = ${run.manager_id} and c.created_by_run = ${run.id}
    and not exists (select 1 from contact_versions v where v.run_id = ${run.id} and v.contact_id = c.id)`;

/** Contacts the run changed that have been changed again since (by a later run not itself reverted, or otherwise). */
async function findConflict(
  db: Db,
  run: RunRow,
): Promise<{ contacts: number; laterRunId: string | null; reason: string } | null> {
  const [conflict] = await db.execute<{
    contacts: number;
    run_id: string | null;
    sync_name: string | null;
    finished: string | null;
  }>(sql`
    with mine as (${changedBy(run)}),
    -- Later by when they applied (finished_at, recorded under the manager's lock), not by when they were
    -- queued: runs of several imports of one manager may apply in another order than they were queued.
    later_runs as (
      select r.id, r.finished_at, s.name as sync_name from runs r join syncs s on s.id = r.sync_id
      where s.manager_id = ${run.manager_id} and r.id <> ${run.id} and r.reverted_at is null
        and r.finished_at > ${run.finished_at}::timestamptz
    ),
    touched as (
      select m.contact_id, lr.id as run_id from mine m
        join contact_versions v on v.contact_id = m.contact_id
        join later_runs lr on lr.id = v.run_id
      union
      select m.contact_id, lr.id from mine m
        join contacts c on c.id = m.contact_id
        join later_runs lr on lr.id in (c.updated_by_run, c.deleted_by_run, c.created_by_run)
      union
      -- the state the run left is gone, whoever changed it
      select m.contact_id, null from mine m join contacts c on c.id = m.contact_id
      where (m.change in ('created', 'inserted') and c.deleted_at is not null)
         or (m.change = 'deleted' and (c.deleted_at is null or c.deleted_by_run is distinct from ${run.id}))
    )
    select (select count(distinct contact_id)::int from touched) as contacts, t.run_id, lr.sync_name,
           to_char(lr.finished_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as finished
    from touched t left join later_runs lr on lr.id = t.run_id
    order by lr.finished_at desc nulls last
    limit 1`);
  if (!conflict || conflict.contacts === 0) return null;
  const which = conflict.run_id
    ? ` The latest such run is of the import "${conflict.sync_name}", finished ${conflict.finished} UTC: revert later runs first, newest first.`
    : "";
  return {
    contacts: conflict.contacts,
    laterRunId: conflict.run_id,
    reason: `This run cannot be reverted: ${conflict.contacts} of the contacts it changed have been changed again since.${which}`,
  };
}

/** An import of the manager that is queued or running: a revert waits for it (its message names it). */
async function busyReason(db: Db, managerId: string): Promise<string | null> {
  const [busy] = await db.execute<{ name: string }>(sql`
    select s.name from runs r join syncs s on s.id = r.sync_id
    where s.manager_id = ${managerId} and r.status in ('queued', 'running') limit 1`);
  return busy ? `The import "${busy.name}" is running on this Contact Manager. Revert when it has finished.` : null;
}

/** For the run page: would "Revert this run" work now, and if not, why (read only, takes no locks). */
export async function checkRevert(db: Db, runId: string): Promise<RevertCheck> {
  const [run] = await db.execute<RunRow>(runQuery(runId));
  if (!run) return { ok: false, code: "not_found", reason: "Run not found." };
  const eligible = eligibilityOf(run);
  if (!eligible.ok) return eligible;
  const busy = await busyReason(db, run.manager_id);
  if (busy) return { ok: false, code: "run_active", reason: busy };
  const conflict = await findConflict(db, run);
  return conflict ? { ok: false, code: "revert_conflict", reason: conflict.reason } : { ok: true };
}

/**
 * The latest earlier run, not reverted, that did `what` to the contact (SQL expression): "deleted" it, or
 * "updated" it (an update or a revival — the engine's plain insert leaves updated_by_run empty).
 */
const previousRun = (run: RunRow, what: "deleted" | "updated") => sql`(
  select pv.run_id from contact_versions pv join runs pr on pr.id = pv.run_id
  where pv.contact_id = c.id and pv.run_id <> ${run.id} and pr.reverted_at is null
    and ${what === "deleted" ? sql`pv.change = 'deleted'` : sql`(pv.change = 'updated' or (pv.change = 'created' and pv.data is not null))`}
    and pr.finished_at < ${run.finished_at}::timestamptz
  order by pr.finished_at desc limit 1)`;

/**
 * The live contacts among those the run touched (created, or with a version row of the run). Counted before
 * and after the revert, the difference is what managers.contact_count must follow.
 */
async function liveTouchedBy(tx: Db, run: RunRow): Promise<number> {
  const [{ n }] = await tx.execute<{ n: number }>(sql`
    select count(*)::int as n from contacts c
    where c.manager_id = ${run.manager_id} and c.deleted_at is null
      and (c.created_by_run = ${run.id} or c.id in (select v.contact_id from contact_versions v where v.run_id = ${run.id}))`);
  return n;
}

/**
 * Undo one completed run, in one transaction: contacts it deleted come back, contacts it updated get their
 * previous values (data, password, hash), contacts it created are removed again (soft delete; a revived
 * contact goes back to its deleted state). Refused when a later run, not itself reverted, changed any of the
 * same contacts — reverting would overwrite that run's work — or while an import of the same Contact
 * Manager is queued or running. The source fingerprint is left alone: the same file is not imported again
 * unless it changes or the sync imports every time.
 */
export async function revertRun(db: Db, input: { runId: string; user: AuditActor }): Promise<RevertResult> {
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Db; // same query API; the audit entry commits (or not) with the revert
    const [run] = await tx.execute<RunRow>(sql`${runQuery(input.runId)} for update of r`);
    if (!run) throw notFound("run");
    const eligible = eligibilityOf(run);
    if (!eligible.ok) throw new AppError(eligible.code, eligible.reason, 409);

    const busy = await busyReason(tx, run.manager_id);
    if (busy) throw new AppError("run_active", busy);
    // The engine applies a run under this lock (lib/sync/apply.ts lockManager): no apply interleaves with us.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${managerLockName(run.manager_id)}, 0))`);

    const conflict = await findConflict(tx, run);
    if (conflict)
      throw new AppError("revert_conflict", conflict.reason, 409, {
        contacts: conflict.contacts,
        laterRunId: conflict.laterRunId,
      });

    const liveBefore = await liveTouchedBy(tx, run);
    // The restored data's search text (lib/contacts/search-text.ts), with the manager's field ids.
    const ids = searchFieldIds(
      await tx.execute<{ id: string; role: string | null }>(
        sql`select id, role from fields where manager_id = ${run.manager_id} and role is not null`,
      ),
    );
    const search = sql`contact_search_text(v.data, ${ids.email}::text, ${ids.first}::text, ${ids.last}::text)`;
    const inserted = await tx.execute(sql`
      update contacts c set deleted_at = now(), deleted_by_run = null, updated_at = now()
      where c.manager_id = ${run.manager_id} and c.created_by_run = ${run.id} and c.deleted_at is null
        and not exists (select 1 from contact_versions v where v.run_id = ${run.id} and v.contact_id = c.id and v.data is not null)`);
    const revived = await tx.execute(sql`
      update contacts c set
        key = coalesce(v.key, c.key),
        data = v.data, search = ${search}, password_hash = v.password_hash, password_mac = v.password_mac, row_hash = v.row_hash,
        deleted_at = v.deleted_at, deleted_by_run = ${previousRun(run, "deleted")}, updated_at = now()
      from contact_versions v
      where v.run_id = ${run.id} and v.change = 'created' and v.data is not null and v.contact_id = c.id`);
    // The run that produced the restored values becomes the updater again, so that run stays revertible.
    const updated = await tx.execute(sql`
      update contacts c set
        data = v.data, search = ${search}, password_hash = v.password_hash, password_mac = v.password_mac, row_hash = v.row_hash,
        updated_at = now(), updated_by_run = ${previousRun(run, "updated")}
      from contact_versions v
      where v.run_id = ${run.id} and v.change = 'updated' and v.contact_id = c.id`);
    const restored = await tx.execute(sql`
      update contacts c set
        data = v.data, search = ${search}, password_hash = v.password_hash, password_mac = v.password_mac, row_hash = v.row_hash,
        deleted_at = v.deleted_at, deleted_by_run = null, updated_at = now()
      from contact_versions v
      where v.run_id = ${run.id} and v.change = 'deleted' and v.contact_id = c.id`);

    const live = (await liveTouchedBy(tx, run)) - liveBefore;
    if (live !== 0)
      await tx.execute(sql`update managers set contact_count = contact_count + ${live} where id = ${run.manager_id}`);
    await tx.execute(
      sql`update runs set reverted_at = now(), reverted_by = ${input.user?.id ?? null} where id = ${run.id}`,
    );
    const result = { restored: restored.count, reverted: updated.count, removed: inserted.count + revived.count };
    await audit(tx, {
      user: input.user,
      action: "run.revert",
      targetType: "run",
      targetId: run.id,
      details: { syncId: run.sync_id, syncName: run.sync_name, ...result },
    });
    return result;
  });
}
