import { and, eq, ne, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { type PendingEdit, type Sync, syncs } from "@/db/schema";
import { gone } from "@/lib/errors";
import { isUuid, stepNumber, type WizardStep } from "@/lib/vocabulary";

/**
 * Where the wizard keeps what it was told: every step saves into the sync's row (state "draft" until the
 * last step, with `wizard_step`), so a reload, another browser or another app instance continues where the
 * user was.
 *
 * Editing an ACTIVE sync: the steps save into `syncs.pending_edit` instead of the live columns, so runs
 * (scheduled, "Go") keep using the last finished definition. The wizard reads the sync through
 * `withPendingEdit` (live row + pending fields); the last step applies the pending fields in one UPDATE and
 * clears them (activate.ts); `discardPendingEdit` drops them.
 */

/** The definition fields an edit of an active sync may change (everything else stays live-only). */
const pendingFields = [
  "name",
  "sourceKind",
  "location",
  "login",
  "secretEnc",
  "folderMode",
  "tlsFingerprint",
  "hostKeyFingerprint",
  "uploadId",
  "hasHeader",
  "delimiter",
  "encoding",
  "mapping",
  "updateExisting",
  "deleteMissing",
  "alwaysImport",
  "errorEmail",
  "allowPrivateHosts",
  "zipMember",
  "settleSeconds",
  "readyMarker",
  "afterImport",
  "schedule",
  "guards",
  "safetyThresholdPct",
] as const satisfies readonly (keyof PendingEdit & keyof Sync)[];

export type DefinitionPatch = Partial<typeof syncs.$inferInsert>;

/**
 * A sync of this manager that the wizard may open (drafts and active syncs; not deleted ones), as the
 * wizard sees it: with its pending edit (if any) laid over the live definition.
 */
export async function getWizardSync(db: Db, managerId: string, syncId: string): Promise<Sync | null> {
  if (!isUuid(syncId)) return null;
  const [row] = await db
    .select()
    .from(syncs)
    .where(and(eq(syncs.id, syncId), eq(syncs.managerId, managerId), ne(syncs.state, "deleted")));
  return row ? withPendingEdit(row) : null;
}

function pendingPart(patch: DefinitionPatch): Partial<PendingEdit> {
  const out: Record<string, unknown> = {};
  for (const k of pendingFields) if (k in patch && patch[k] !== undefined) out[k] = patch[k];
  return out as Partial<PendingEdit>;
}

/** The live columns a pending edit sets when it is applied. */
export function pendingColumns(pending: PendingEdit): DefinitionPatch {
  const out: Record<string, unknown> = {};
  for (const k of pendingFields) if (k in pending) out[k] = pending[k];
  return out as DefinitionPatch;
}

/** The sync as the wizard shows it: the live row with its pending edit's fields over it (`pendingEdit` kept). */
export function withPendingEdit(row: Sync): Sync {
  if (!row.pendingEdit) return row;
  return {
    ...row,
    ...(pendingColumns(row.pendingEdit) as Partial<Sync>),
    updatedAt: new Date(row.pendingEdit.savedAt),
  };
}

/** Whether the wizard is editing a live (active) sync: its steps then save into the pending edit. */
export function editsPending(sync: Pick<Sync, "state">): boolean {
  return sync.state !== "draft";
}

/**
 * Save a step's fields: a draft's columns directly; an active sync's into its pending edit (merged with
 * what earlier steps saved there), leaving the live definition untouched. Returns the sync as the wizard sees it.
 */
export async function saveDefinition(
  db: Db,
  sync: Sync,
  patch: DefinitionPatch,
  draftOnly: DefinitionPatch = {},
): Promise<Sync> {
  if (!editsPending(sync)) {
    const [row] = await db
      .update(syncs)
      .set({ ...patch, ...draftOnly, updatedAt: new Date() })
      .where(eq(syncs.id, sync.id))
      .returning();
    return withPendingEdit(row);
  }
  const now = new Date().toISOString();
  const merge = { ...pendingPart(patch), savedAt: now };
  const [row] = await db
    .update(syncs)
    .set({
      pendingEdit: sql`jsonb_build_object('startedAt', ${now}::text) || coalesce(${syncs.pendingEdit}, '{}'::jsonb) || ${JSON.stringify(merge)}::jsonb`,
    })
    .where(eq(syncs.id, sync.id))
    .returning();
  if (!row) throw gone("import");
  return withPendingEdit(row);
}

/** "Discard changes": drop an active sync's pending edit; the live definition is untouched. Returns whether there was one. */
export async function discardPendingEdit(db: Db, sync: Pick<Sync, "id">): Promise<boolean> {
  const rows = await db
    .update(syncs)
    .set({ pendingEdit: null })
    .where(and(eq(syncs.id, sync.id), sql`${syncs.pendingEdit} is not null`))
    .returning({ id: syncs.id });
  return rows.length > 0;
}

/** Record that the user reached a step (drafts only: an active sync's edit does not move a marker). */
export async function reachStep(db: Db, sync: Sync, step: WizardStep): Promise<void> {
  const n = stepNumber[step];
  if (sync.state !== "draft" || sync.wizardStep >= n) return;
  await db.update(syncs).set({ wizardStep: n, updatedAt: new Date() }).where(eq(syncs.id, sync.id));
}
