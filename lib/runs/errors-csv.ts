import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "@/db/client";
import { runErrors } from "@/db/schema";

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell (RFC 4180). A value that a spreadsheet would run as a formula (starting with = + - @, tab or
 * carriage return) gets a leading apostrophe, so opening the file never executes it.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  let s = String(value);
  if (typeof value === "string" && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvLine(cells: (string | number | null | undefined)[]): string {
  return cells.map(csvCell).join(",") + "\r\n";
}

export const errorsCsvHeader = ["Line", "Column", "Error"];

/**
 * The row errors of a run as a CSV byte stream, read from the database in batches as the client takes them
 * (a run can have millions of errors). Starts with a UTF-8 BOM so spreadsheet programs read accents right.
 */
export function runErrorsCsvStream(db: Db, runId: string, batchSize = 2000): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let lastId = 0;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode("\uFEFF" + csvLine(errorsCsvHeader)));
        return;
      }
      const batch = await db
        .select({ id: runErrors.id, line: runErrors.line, column: runErrors.column, message: runErrors.message })
        .from(runErrors)
        .where(and(eq(runErrors.runId, runId), gt(runErrors.id, lastId)))
        .orderBy(asc(runErrors.id))
        .limit(batchSize);
      if (batch.length === 0) {
        controller.close();
        return;
      }
      lastId = batch[batch.length - 1].id;
      controller.enqueue(encoder.encode(batch.map((e) => csvLine([e.line, e.column, e.message])).join("")));
    },
  });
}
