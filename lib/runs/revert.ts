import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import type { Run } from "@/db/schema";
import { audit, type AuditActor } from "@/lib/audit";
import { AppError } from "@/lib/errors";

export type RevertResult = { restored: number; reverted: number; removed: number };

type RevertCheck = { ok: true } | { ok: false; code: string; reason: string };

/** Whether a run is of a kind that can be reverted at all (the database check for conflicts comes later). */
export function revertEligibility(run: Pick<Run, "status" | "dryRun" | "revertedAt" | "created" | "updated" | "deleted">): RevertCheck {
  if (run.revertedAt) return { ok: false, code: "already_reverted", reason: "This run has already been reverted." };
  if (run.dryRun) return { ok: false, code: "not_revertible", reason: "A dry run changed no contact." };
  if (run.status !== "succeeded" && run.status !== "completed_with_errors") {
    return { ok: false, code: "not_revertible", reason: "Only a completed run changed contacts; this one did not." };
  }
  if (run.created + run.updated + run.deleted === 0) return { ok: false, code: "nothing_to_revert", reason: "This run changed no contact." };
  return { ok: true };
}

/**
 * Undo one completed run, in one transaction: contacts it deleted come back, contacts it updated get their
 * previous values (data, password, hash), contacts it created are removed (soft delete). Refused when a
 * later run that is not itself reverted changed any of the same contacts — reverting would overwrite that
 * run's work — or while an import of the same Contact Manager is running.
 */
export async function revertRun(db: Db, input: { runId: string; user: AuditActor }): Promise<RevertResult> {
  return db.transaction(async (tx) => {
    const [run] = await tx.execute<{
      id: string; sync_id: string; manager_id: string; sync_name: string; status: Run["status"]; dry_run: boolean;
      reverted_at: Date | null; created: number; updated: number; deleted: number; queued_at: string;
    }>(sql`
      select r.id, r.sync_id, s.manager_id, s.name as sync_name, r.status, r.dry_run, r.reverted_at, r.created, r.updated, r.deleted,
             r.queued_at::text as queued_at
      from runs r join syncs s on s.id = r.sync_id
      where r.id = ${input.runId}
      for update of r`);
    if (!run) throw new AppError("not_found", "Run not found.", 404);
    const eligible = revertEligibility({ status: run.status, dryRun: run.dry_run, revertedAt: run.reverted_at, created: run.created, updated: run.updated, deleted: run.deleted });
    if (!eligible.ok) throw new AppError(eligible.code, eligible.reason, 409);

    const [busy] = await tx.execute<{ name: string }>(sql`
      select s.name from runs r join syncs s on s.id = r.sync_id
      where s.manager_id = ${run.manager_id} and r.status in ('queued', 'running') limit 1`);
    if (busy) {
      throw new AppError("run_active", `The import "${busy.name}" is running on this Contact Manager. Revert when it has finished.`, 409);
    }

    // Lock the contacts first: whatever commits before the lock is granted is seen by the checks below.
    await tx.execute(sql`
      select c.id from contacts c
      where c.id in (select contact_id from contact_versions where run_id = ${run.id})
      order by c.id for update`);

    const conflicts = await tx.execute<{ contacts: number; run_id: string | null; sync_name: string | null; started: string | null }>(sql`
      with mine as (select contact_id, change from contact_versions where run_id = ${run.id}),
      later_runs as (
        select r.id, r.queued_at, s.name as sync_name from runs r join syncs s on s.id = r.sync_id
        where s.manager_id = ${run.manager_id} and r.id <> ${run.id} and r.reverted_at is null
          and r.queued_at > ${run.queued_at}::timestamptz
      ),
      touched as (
        select m.contact_id, lr.id as run_id from mine m
          join contact_versions v on v.contact_id = m.contact_id
          join later_runs lr on lr.id = v.run_id
        union
        select m.contact_id, lr.id from mine m
          join contacts c on c.id = m.contact_id
          join later_runs lr on lr.id = c.updated_by_run or lr.id = c.deleted_by_run
        union
        -- state the run left behind that is no longer there (changed by something other than a run)
        select m.contact_id, null from mine m join contacts c on c.id = m.contact_id
        where (m.change = 'created' and c.deleted_at is not null)
           or (m.change = 'deleted' and (c.deleted_at is null or c.deleted_by_run is distinct from ${run.id}))
      )
      select (select count(distinct contact_id)::int from touched) as contacts, t.run_id, lr.sync_name,
             to_char(lr.queued_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as started
      from touched t left join later_runs lr on lr.id = t.run_id
      order by lr.queued_at desc nulls last
      limit 1`);
    const conflict = conflicts[0];
    if (conflict && conflict.contacts > 0) {
      const which = conflict.run_id
        ? ` The latest such run is of the import "${conflict.sync_name}", started ${conflict.started} UTC: revert later runs first, newest first.`
        : "";
      throw new AppError(
        "revert_conflict",
        `This run cannot be reverted: ${conflict.contacts} of the contacts it changed have been changed again since.${which}`,
        409,
        { contacts: conflict.contacts, laterRunId: conflict.run_id },
      );
    }

    const removed = await tx.execute(sql`
      update contacts c set deleted_at = now(), deleted_by_run = null, updated_at = now()
      from contact_versions v
      where v.run_id = ${run.id} and v.change = 'created' and v.contact_id = c.id`);
    // The run that produced the values being restored becomes the contact's updater again, so reverting
    // that earlier run stays possible and its own conflict check stays right.
    const reverted = await tx.execute(sql`
      update contacts c set
        data = coalesce(v.data, c.data), password_hash = v.password_hash, password_mac = v.password_mac,
        row_hash = coalesce(v.row_hash, c.row_hash), updated_at = now(),
        updated_by_run = (
          select pv.run_id from contact_versions pv join runs pr on pr.id = pv.run_id
          where pv.contact_id = c.id and pv.run_id <> ${run.id} and pr.reverted_at is null and pv.change in ('created', 'updated')
            and pr.queued_at < ${run.queued_at}::timestamptz
          order by pr.queued_at desc limit 1)
      from contact_versions v
      where v.run_id = ${run.id} and v.change = 'updated' and v.contact_id = c.id`);
    const restored = await tx.execute(sql`
      update contacts c set
        deleted_at = v.deleted_at, deleted_by_run = null, data = coalesce(v.data, c.data),
        password_hash = coalesce(v.password_hash, c.password_hash), password_mac = coalesce(v.password_mac, c.password_mac),
        row_hash = coalesce(v.row_hash, c.row_hash), updated_at = now()
      from contact_versions v
      where v.run_id = ${run.id} and v.change = 'deleted' and v.contact_id = c.id`);

    await tx.execute(sql`update runs set reverted_at = now(), reverted_by = ${input.user?.id ?? null} where id = ${run.id}`);
    const result = { restored: restored.count, reverted: reverted.count, removed: removed.count };
    // The audit entry commits (or not) with the revert itself.
    await audit(tx as unknown as Db, {
      user: input.user,
      action: "run.revert",
      targetType: "run",
      targetId: run.id,
      details: { syncId: run.sync_id, syncName: run.sync_name, ...result },
    });
    return result;
  });
}
