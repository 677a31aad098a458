import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "@/db/client";
import { runErrors } from "@/db/schema";
import { batchedCsvStream } from "@/lib/runs/batched-csv";

export const errorsCsvHeader = ["Line", "Column", "Error"];

/**
 * The row errors of a run as a CSV byte stream, read from the database in batches as the client takes them
 * (a run can have millions of errors). Starts with a UTF-8 BOM so spreadsheet programs read accents right.
 */
export function runErrorsCsvStream(db: Db, runId: string, batchSize = 2000): ReadableStream<Uint8Array> {
  return batchedCsvStream(
    errorsCsvHeader,
    (lastId) =>
      db
        .select({ id: runErrors.id, line: runErrors.line, column: runErrors.column, message: runErrors.message })
        .from(runErrors)
        .where(and(eq(runErrors.runId, runId), gt(runErrors.id, lastId)))
        .orderBy(asc(runErrors.id))
        .limit(batchSize),
    (batch) => batch.map((e) => [e.line, e.column, e.message]),
  );
}
