import { AppError } from "@/lib/errors";
import { CsvTokenizer, type RawRecord } from "./csv-tokenizer";

export type ParseOptions = {
  delimiter: string;
  hasHeader: boolean;
  maxColumns: number;
  maxFieldBytes: number;
  maxRows: number;
};

/** One CSV record: its fields and the 1-based physical line where it starts. */
export type CsvRecord = RawRecord;

export type ParsedCsv = {
  /** Resolves with the column names once the first record was read (null for an empty file). */
  columns: Promise<string[] | null>;
  /** Data records, in file order (the header record is not included). */
  records: AsyncIterable<CsvRecord>;
};

export function checkDelimiter(delimiter: string): string {
  if ([...delimiter].length !== 1) throw new AppError("invalid_delimiter", "The delimiter must be exactly one character.");
  if (delimiter === '"' || delimiter === "\n" || delimiter === "\r")
    throw new AppError("invalid_delimiter", "A quote or a line break cannot be the delimiter.");
  return delimiter;
}

/** Column names from the header record: trimmed, non-empty and unique (case-insensitively). */
export function headerColumns(fields: string[], hasHeader: boolean): string[] {
  if (!hasHeader) return fields.map((_, i) => `Column ${i + 1}`);
  const seen = new Map<string, number>();
  return fields.map((raw, i) => {
    const name = raw.trim();
    if (!name) throw new AppError("invalid_header", `Column ${i + 1} of the header line has no name. Give every column a name, or turn off "first line is header".`);
    const prev = seen.get(name.toLowerCase());
    if (prev !== undefined) throw new AppError("invalid_header", `The header names the column "${name}" twice (columns ${prev + 1} and ${i + 1}). Column names must be unique.`);
    seen.set(name.toLowerCase(), i);
    return name;
  });
}

/**
 * Parse decoded CSV text, streaming: records come out as the text arrives, one chunk's worth at a time,
 * so memory stays bounded by the chunk size and the longest record. Limits (columns, rows, record size)
 * are clear errors. Field counts are checked by the validator (a ragged row is a row error).
 */
export function parseCsv(text: AsyncIterable<string>, options: ParseOptions): ParsedCsv {
  const delimiter = checkDelimiter(options.delimiter);
  // A record this long is an unclosed quote (or a hostile file): refuse it instead of buffering the file.
  const maxRecordChars = Math.max(4 * options.maxFieldBytes, 4 * 1024 * 1024);

  let resolveColumns!: (c: string[] | null) => void;
  let rejectColumns!: (e: unknown) => void;
  const columns = new Promise<string[] | null>((res, rej) => {
    resolveColumns = res;
    rejectColumns = rej;
  });
  columns.catch(() => {});

  async function* records(): AsyncGenerator<CsvRecord> {
    const tokenizer = new CsvTokenizer(delimiter, maxRecordChars);
    let header: string[] | null = null;
    let rows = 0;
    const batch: RawRecord[] = [];
    function* drain(): Generator<CsvRecord> {
      for (const r of batch) {
        if (r.fields.length > options.maxColumns)
          throw new AppError("too_many_columns", `Line ${r.line} has ${r.fields.length} columns; at most ${options.maxColumns} are allowed.`);
        if (!header) {
          header = headerColumns(r.fields, options.hasHeader);
          resolveColumns(header);
          if (options.hasHeader) continue;
        }
        if (++rows > options.maxRows)
          throw new AppError("too_many_rows", `The file has more than ${options.maxRows.toLocaleString("en")} rows, the most one import may hold.`);
        yield r;
      }
      batch.length = 0;
    }
    try {
      for await (const t of text) {
        tokenizer.push(t, batch);
        yield* drain();
      }
      tokenizer.end(batch);
      yield* drain();
      if (!header) resolveColumns(null);
    } catch (e) {
      rejectColumns(e);
      throw e;
    }
  }

  return { columns, records: records() };
}
