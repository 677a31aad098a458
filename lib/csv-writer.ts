import Papa from "papaparse";

/** What a CSV cell may hold. */
export type CsvCell = string | number | null | undefined;

/** A text a spreadsheet would run as a formula: starting with = + - @, a tab or a carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * The one CSV writer of the app (row errors, contact exports): RFC 4180 quoting by papaparse, CRLF line ends.
 * A text cell that a spreadsheet would run as a formula gets a leading apostrophe, so opening the file never
 * executes it. The apostrophe is added here rather than by papaparse's `escapeFormulae`, which would also
 * quote every such cell (`"'=Oslo"` instead of `'=Oslo`) and change the files staff already read.
 */
export function csvRows(rows: CsvCell[][]): string {
  if (rows.length === 0) return "";
  return `${Papa.unparse(
    rows.map((r) => r.map(defuse)),
    { newline: "\r\n", escapeFormulae: false },
  )}\r\n`;
}

/** One CSV cell, as csvRows writes it. */
export function csvCell(value: CsvCell): string {
  return Papa.unparse([[defuse(value)]], { escapeFormulae: false });
}

function defuse(value: CsvCell): CsvCell {
  return typeof value === "string" && FORMULA_START.test(value) ? `'${value}` : value;
}
