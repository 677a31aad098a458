import { AppError } from "@/lib/errors";
import Papa from "papaparse";
import { normaliseRecordEnds } from "@/lib/sync/csv-record-ends";

export type ParseOptions = {
  delimiter: string;
  hasHeader: boolean;
  maxColumns: number;
  maxFieldBytes: number;
  maxRows: number;
};

/** One CSV record: its fields and the 1-based physical line where it starts. */
export type CsvRecord = { line: number; fields: string[] };

export type ParsedCsv = {
  /** Resolves with the column names once the first record was read (null for an empty file). */
  columns: Promise<string[] | null>;
  /** Data records in file order (the header record is not included), a few hundred at a time. */
  batches: AsyncIterable<CsvRecord[]>;
  /** The same records one by one (for small consumers such as the preview). Read `batches` or `records`, not both. */
  records: AsyncIterable<CsvRecord>;
  /** Data records parsed so far, counted as they are read (ahead of the batches handed out): live progress. */
  stats: { rows: number };
};

const BATCH = 512;

export function checkDelimiter(delimiter: string): string {
  if ([...delimiter].length !== 1)
    throw new AppError("invalid_delimiter", "The delimiter must be exactly one character.");
  if (delimiter === '"' || delimiter === "\n" || delimiter === "\r")
    throw new AppError("invalid_delimiter", "A quote or a line break cannot be the delimiter.");
  return delimiter;
}

/**
 * Column names from the header record: trimmed and unique (case-insensitively). A header cell left blank —
 * spreadsheets often export trailing empty columns ("Email,Name,,") — is named after its position, as
 * without a header ("Column 3"), so it can be mapped or left out like any other column.
 */
export function headerColumns(fields: string[], hasHeader: boolean): string[] {
  if (!hasHeader) return fields.map((_, i) => `Column ${i + 1}`);
  const seen = new Map<string, number>();
  const named = fields.map((raw) => raw.trim() !== "");
  return fields.map((raw, i) => {
    const name = named[i] ? raw.trim() : `Column ${i + 1}`;
    const prev = seen.get(name.toLowerCase());
    if (prev !== undefined) {
      const blank = [prev, i].find((c) => !named[c]);
      throw new AppError(
        "invalid_header",
        blank === undefined
          ? `The header names the column "${name}" twice (columns ${prev + 1} and ${i + 1}). Column names must be unique.`
          : `Column ${blank + 1} of the header line has no name, and its position name "${name}" is the name of another column. Give column ${blank + 1} a name.`,
      );
    }
    seen.set(name.toLowerCase(), i);
    return name;
  });
}

const LINE_BREAK = /\r\n|\n|\r/g;

function lineBreaksIn(fields: string[]): number {
  let n = 0;
  for (const f of fields) if (f.indexOf("\n") >= 0 || f.indexOf("\r") >= 0) n += f.match(LINE_BREAK)?.length ?? 0;
  return n;
}

/**
 * Parse decoded CSV text, streaming: `normaliseRecordEnds` hands out pieces of whole records (about one chunk
 * of decoded text each), and papaparse parses each piece at once, only when the consumer asks for more — so
 * memory stays bounded by a piece and the longest record, and back-pressure is the pull of the generator.
 * (Papa's NODE_STREAM_INPUT mode, used before, restarted its parser for every row once the consumer was the
 * slower side: half of the parse time of a big file.) Papa runs header-less with blank lines kept, so every
 * physical line is counted: a record starts on the line after the previous one, which spanned 1 + (line
 * breaks in its quoted fields) lines; blank records are dropped here. Limits (columns, rows, record size) are
 * clear errors. Field counts are checked by the validator (a ragged row is a row error).
 */
export function parseCsv(text: AsyncIterable<string>, options: ParseOptions): ParsedCsv {
  const delimiter = checkDelimiter(options.delimiter);
  const maxRecordChars = Math.max(4 * options.maxFieldBytes, 4 * 1024 * 1024);
  const papaConfig = {
    delimiter,
    newline: "\n", // normaliseRecordEnds turned every record end into "\n"
    quoteChar: '"',
    escapeChar: '"',
    header: false,
    skipEmptyLines: false,
    fastMode: false,
  } as const;

  let resolveColumns!: (c: string[] | null) => void;
  let rejectColumns!: (e: unknown) => void;
  const columns = new Promise<string[] | null>((res, rej) => {
    resolveColumns = res;
    rejectColumns = rej;
  });
  columns.catch(() => {});

  const stats = { rows: 0 };
  async function* batches(): AsyncGenerator<CsvRecord[]> {
    const ends = { quotedLineBreaks: 0 };
    let line = 1;
    let header: string[] | null = null;
    let rows = 0;
    let batch: CsvRecord[] = [];
    try {
      for await (const piece of normaliseRecordEnds(text, { delimiter, maxRecordChars, stats: ends })) {
        const records = Papa.parse<string[]>(piece, papaConfig).data;
        // After a piece's final "\n" papa reports one more, empty record: not a line of the file.
        const count = piece.endsWith("\n") ? records.length - 1 : records.length;
        for (let r = 0; r < count; r++) {
          const fields = records[r];
          const start = line;
          line += ends.quotedLineBreaks === 0 ? 1 : 1 + lineBreaksIn(fields);
          if (fields.length === 1 && fields[0] === "") continue; // blank line
          if (fields.length > options.maxColumns)
            throw new AppError(
              "too_many_columns",
              `Line ${start} has ${fields.length} columns; at most ${options.maxColumns} are allowed.`,
            );
          if (!header) {
            header = headerColumns(fields, options.hasHeader);
            resolveColumns(header);
            if (options.hasHeader) continue;
          }
          if (++rows > options.maxRows)
            throw new AppError(
              "too_many_rows",
              `The file has more than ${options.maxRows.toLocaleString("en")} rows, the most one import may hold.`,
            );
          stats.rows = rows;
          batch.push({ line: start, fields });
          if (batch.length === BATCH) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length) yield batch;
      if (!header) resolveColumns(null);
    } catch (e) {
      rejectColumns(e);
      throw e;
    }
  }

  const batched = batches();
  async function* records(): AsyncGenerator<CsvRecord> {
    for await (const b of batched) yield* b;
  }
  return { columns, batches: batched, records: records(), stats };
}
