import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "@/db/client";
import { runPlanItems } from "@/db/schema";
import { batchedCsvStream } from "@/lib/runs/batched-csv";

export type PlanList = "deleted" | "updated";

export const planCsvHeaders: Record<PlanList, string[]> = {
  deleted: ["Key"],
  updated: ["Key", "Field", "Old value", "New value"],
};

/**
 * The full list behind a blocked or dry run's plan sample as a CSV byte stream (UTF-8 BOM, formula cells
 * escaped), read in batches: contacts it would delete (one key a line), or the changes it would make (one
 * changed field a line; a password shows as "changed").
 */
export function runPlanCsvStream(db: Db, runId: string, list: PlanList, batchSize = 2000): ReadableStream<Uint8Array> {
  return batchedCsvStream(
    planCsvHeaders[list],
    (lastId) =>
      db
        .select({ id: runPlanItems.id, key: runPlanItems.key, changes: runPlanItems.changes })
        .from(runPlanItems)
        .where(and(eq(runPlanItems.runId, runId), eq(runPlanItems.change, list), gt(runPlanItems.id, lastId)))
        .orderBy(asc(runPlanItems.id))
        .limit(batchSize),
    (batch) =>
      batch.flatMap((item) =>
        list === "deleted"
          ? [[item.key]]
          : Object.entries(item.changes ?? {})
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([field, [from, to]]) => [item.key, field, from, to]),
      ),
  );
}
