import type { Field, Mapping, Sync } from "@/db/schema";
import { env } from "@/lib/env";
import { decodeStream } from "@/lib/sync/decode";
import { parseCsv } from "@/lib/sync/parse";
import { createRowValidator, resolveRowPlan, type RowPlan } from "@/lib/sync/validate";

/** How a sync's file is read as CSV: what the run and the wizard's preview both honour. */
export type CsvSettings = Pick<Sync, "encoding" | "delimiter" | "hasHeader">;

/**
 * A source's bytes as CSV records: decode (encoding, SHA-256, byte count) then parse (papaparse, in batches),
 * with the configured limits. The one set-up of the reading stages: a run reads its file through this, and
 * the preview reads a bounded prefix of it the same way, so the preview shows what the run will see.
 */
export function openCsv(
  stream: AsyncIterable<Buffer | Uint8Array | string>,
  settings: CsvSettings,
  opts: { maxBytes?: number } = {},
) {
  const decoded = decodeStream(stream, { encoding: settings.encoding, maxBytes: opts.maxBytes });
  const parsed = parseCsv(decoded.text, {
    delimiter: settings.delimiter,
    hasHeader: settings.hasHeader,
    maxColumns: env.MAX_COLUMNS,
    maxFieldBytes: env.MAX_FIELD_BYTES,
    maxRows: env.MAX_ROWS,
  });
  return { decoded, parsed };
}

export type OpenedCsv = ReturnType<typeof openCsv>;

/** The per-row check for a row plan, with the configured field size limit. */
export function rowValidator(plan: RowPlan) {
  return createRowValidator(plan, { maxFieldBytes: env.MAX_FIELD_BYTES });
}

/** The row plan and per-row check of a file's columns under a mapping. */
export function rowValidatorFor(columns: string[], mapping: Mapping, fields: Field[]) {
  return rowValidator(resolveRowPlan(columns, mapping, fields));
}
