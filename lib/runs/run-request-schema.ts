import { z } from "zod";

/** The optional body of POST /api/syncs/:id/run. */
export const runRequestSchema = z.object({
  /** Plan and report without applying anything. */
  dryRun: z.boolean().optional(),
});
