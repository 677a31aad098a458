import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { type AuditActor, audit } from "@/lib/audit";
import { type Guards, runs, type Schedule, type Sync, syncs } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { activeStatuses, isRemote } from "@/lib/vocabulary";
import { type DefinitionPatch, pendingColumns } from "@/lib/wizard/draft-store";

/**
 * The fields that decide what a run reads and writes: when a finished edit changes one, the last source
 * fingerprint is forgotten so the next run applies the new definition even to an unchanged file (as
 * one-off CLI imports do when their options change).
 */
const readingFields = [
  "sourceKind",
  "location",
  "uploadId",
  "login",
  "folderMode",
  "hasHeader",
  "delimiter",
  "encoding",
  "mapping",
  "updateExisting",
  "deleteMissing",
  "zipMember",
  "readyMarker",
] as const;

/**
 * Last step: the sync becomes active, with or without a schedule. An active sync's pending edit (`sync` as
 * `getWizardSync` returns it) becomes live here, with the schedule, in one UPDATE that also clears it; the
 * UPDATE only applies the edit the wizard has shown (a concurrent step or discard in another window → 409).
 */
export async function activateSync(
  db: Db,
  sync: Sync,
  input: {
    schedule: Schedule | null;
    nextRunAt: Date | null;
    errorEmail?: string | null;
    safetyThresholdPct?: number;
    guards?: Guards;
  },
): Promise<Sync> {
  if (!sync.mapping || (!sync.mapping.autoKey && !sync.mapping.keyColumn)) {
    throw new AppError(
      "mapping_missing",
      "Choose the unique identifier column (or generated keys) on the mapping step first.",
    );
  }
  if (input.schedule && !isRemote(sync.sourceKind))
    throw new AppError("schedule_not_allowed", "Only imports from a server can be scheduled.");
  const pending = sync.pendingEdit;
  let readingChanged = false;
  if (pending) {
    const [live] = await db.select().from(syncs).where(eq(syncs.id, sync.id));
    readingChanged =
      !!live &&
      readingFields.some((k) => k in pending && JSON.stringify(pending[k] ?? null) !== JSON.stringify(live[k] ?? null));
  }
  const patch: DefinitionPatch = {
    ...(pending ? pendingColumns(pending) : {}),
    state: "active",
    schedule: input.schedule,
    nextRunAt: input.nextRunAt,
    pendingEdit: null,
    updatedAt: new Date(),
  };
  if (input.errorEmail !== undefined) patch.errorEmail = input.errorEmail || null;
  if (input.safetyThresholdPct !== undefined) patch.safetyThresholdPct = input.safetyThresholdPct;
  if (input.guards !== undefined) patch.guards = input.guards;
  if (readingChanged) patch.lastFingerprint = null;
  const same = pending
    ? sql`${syncs.pendingEdit} = ${JSON.stringify(pending)}::jsonb`
    : sql`${syncs.pendingEdit} is null`;
  // Not while a run of this import is queued or running: the wizard's run would be refused, and the edit must
  // not have gone live meanwhile (a changed file or delete-missing switched on, behind the user's back).
  const idle = sql`not exists (select 1 from runs where runs.sync_id = ${syncs.id} and runs.status in ('queued', 'running'))`;
  const [row] = await db
    .update(syncs)
    .set(patch)
    .where(and(eq(syncs.id, sync.id), same, idle))
    .returning();
  if (!row) {
    const [busy] = await db
      .select({ id: runs.id })
      .from(runs)
      .where(and(eq(runs.syncId, sync.id), inArray(runs.status, [...activeStatuses])));
    if (busy)
      throw new AppError(
        "run_active",
        "This import is running. Your changes are kept: finish the edit once the run is over.",
        409,
        { runId: busy.id },
      );
    throw new AppError(
      "edit_conflict",
      "This import's changes were saved or discarded in another window meanwhile. Check the steps and finish again.",
    );
  }
  return row;
}

/** activateSync, recorded in the audit log as "sync.activate" with the name, the schedule and `details`. */
export async function activateAudited(
  db: Db,
  sync: Sync,
  input: Parameters<typeof activateSync>[2],
  user: AuditActor,
  details: Record<string, unknown> = {},
): Promise<Sync> {
  const active = await activateSync(db, sync, input);
  await audit(db, {
    user,
    action: "sync.activate",
    targetType: "sync",
    targetId: sync.id,
    details: { name: active.name, schedule: active.schedule, ...details },
  });
  return active;
}
