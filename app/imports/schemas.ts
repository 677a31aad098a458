import { z } from "zod";

/** Where a list action sends the browser back: the per-manager list or the list across all managers. */
export const returnTo = z
  .string()
  .regex(/^\/(imports|managers\/[0-9a-f-]{36}\/imports)$/i, "Unknown return page.")
  .catch("/imports");

export const goSchema = z.object({ syncId: z.uuid({ error: "Unknown import." }), returnTo });
export const deleteImportSchema = z.object({ syncId: z.uuid({ error: "Unknown import." }), returnTo });
