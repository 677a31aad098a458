import type { Db } from "@/db/client";
import type { Field, Sync } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { isRemote } from "@/lib/vocabulary";
import { activateSync } from "@/lib/wizard/activate";
import { buildPreview } from "@/lib/wizard/preview";
import { nextRunFor } from "@/lib/wizard/schedule";

export type SaveLiveOutcome =
  | { kind: "live"; sync: Sync }
  /** The file's columns no longer carry the mapping: the mapping step must be checked first. */
  | { kind: "mapping_stale"; missing: string[] }
  /** The source cannot be read with the new settings: the edit stays pending. */
  | { kind: "unreadable"; code: string; message: string };

/**
 * "Save changes" on one step of an active import's edit (its step was just saved into the pending edit):
 * the edit goes live at once when the rest of the definition still fits — the file can be read and still has
 * the mapped columns and the key column. The schedule stays as it is (its next run recomputed). Otherwise
 * the edit stays pending and the caller sends the user to the step that needs a look.
 */
export async function saveEditLive(db: Db, sync: Sync, fields: Field[]): Promise<SaveLiveOutcome> {
  if (sync.state === "draft")
    throw new AppError("not_ready", "A new import is finished on its last step, not with Save changes.", 400);
  if (sync.mapping) {
    const preview = await buildPreview(sync, fields, { rows: 1 });
    if (preview.fatal) return { kind: "unreadable", code: preview.fatal.code, message: preview.fatal.message };
    const columns = new Set(preview.columns);
    const wanted = [
      ...(sync.mapping.keyColumn ? [sync.mapping.keyColumn] : []),
      ...sync.mapping.columns.map((c) => c.column),
    ];
    const missing = [...new Set(wanted.filter((c) => !columns.has(c)))];
    if (missing.length) return { kind: "mapping_stale", missing };
  }
  const schedule = isRemote(sync.sourceKind) ? sync.schedule : null;
  const nextRunAt = schedule ? nextRunFor(schedule, new Date()) : null;
  return { kind: "live", sync: await activateSync(db, sync, { schedule, nextRunAt }) };
}
