import { z } from "zod";

/** Where a list action sends the browser back: the per-manager list or the list across all managers. */
export const returnTo = z
  .string()
  .regex(/^\/(imports|managers\/[0-9a-f-]{36}\/imports)$/i, "Unknown return page.")
  .catch("/imports");

export const goSchema = z.object({ syncId: z.uuid({ error: "Unknown import." }), returnTo });
export const deleteImportSchema = z.object({ syncId: z.uuid({ error: "Unknown import." }), returnTo });
/** "Delete all" unfinished imports: the drafts the list showed. */
export const deleteDraftsSchema = z.object({
  syncIds: z.preprocess(
    (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
    z
      .array(z.uuid({ error: "Unknown import." }))
      .min(1, "No unfinished import was listed.")
      .max(500),
  ),
  returnTo,
});
