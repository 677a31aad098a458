import { Readable, pipeline } from "node:stream";
import Papa from "papaparse";
import { AppError } from "@/lib/errors";

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
  /** Data records, in file order (the header record is not included). */
  records: AsyncIterable<CsvRecord>;
};

const LINE_BREAK = /\r\n|\n|\r/g;

function countLineBreaks(fields: string[]): number {
  let n = 0;
  for (const f of fields) {
    if (f.length === 0 || (f.indexOf("\n") < 0 && f.indexOf("\r") < 0)) continue;
    n += f.match(LINE_BREAK)?.length ?? 0;
  }
  return n;
}

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

/** Coalesce the first text chunks so Papa guesses the line ending from a real sample, not a 3-byte chunk. */
async function* withLargeFirstChunk(text: AsyncIterable<string>, min = 64 * 1024): AsyncGenerator<string> {
  let first = "";
  let started = false;
  for await (const t of text) {
    if (started) {
      yield t;
      continue;
    }
    first += t;
    if (first.length >= min) {
      started = true;
      yield first;
    }
  }
  if (!started && first) yield first;
}

/**
 * Parse decoded CSV text, streaming, with papaparse's Node stream input (it honours back-pressure).
 * Papa runs header-less; header names, field counts, limits and physical line numbers are handled here.
 * Blank lines are skipped. Line numbers: a record starts on the line after the previous record, which
 * spanned 1 + (line breaks inside its quoted fields) lines.
 */
export function parseCsv(text: AsyncIterable<string>, options: ParseOptions): ParsedCsv {
  const delimiter = checkDelimiter(options.delimiter);
  // A record longer than this without Papa emitting it is an unclosed quote (or a hostile file): refuse it
  // instead of buffering the rest of the file.
  const maxRecordChars = Math.max(4 * options.maxFieldBytes, 4 * 1024 * 1024);
  let charsSinceRecord = 0;

  let resolveColumns!: (c: string[] | null) => void;
  let rejectColumns!: (e: unknown) => void;
  const columns = new Promise<string[] | null>((res, rej) => {
    resolveColumns = res;
    rejectColumns = rej;
  });
  columns.catch(() => {});

  async function* guarded(): AsyncGenerator<string> {
    for await (const t of withLargeFirstChunk(text)) {
      charsSinceRecord += t.length;
      if (charsSinceRecord > maxRecordChars)
        throw new AppError(
          "record_too_large",
          `A record is longer than ${Math.round(maxRecordChars / 1024 / 1024)} MiB — probably a quote that is never closed. Check the quoting of the file.`,
        );
      yield t;
    }
  }

  async function* records(): AsyncGenerator<CsvRecord> {
    const papa = Papa.parse(Papa.NODE_STREAM_INPUT, {
      delimiter,
      header: false,
      skipEmptyLines: false,
      quoteChar: '"',
      escapeChar: '"',
    }) as unknown as NodeJS.ReadWriteStream;
    const input = Readable.from(guarded(), { objectMode: false, encoding: "utf8" });
    let pipeError: unknown = null;
    pipeline(input, papa, (err) => {
      if (err) pipeError = err;
    });

    let line = 1;
    let header: string[] | null = null;
    let rows = 0;
    try {
      for await (const fields of papa as AsyncIterable<string[]>) {
        charsSinceRecord = 0;
        const start = line;
        line += 1 + countLineBreaks(fields);
        if (fields.length === 1 && fields[0] === "") continue; // blank line
        if (fields.length > options.maxColumns)
          throw new AppError("too_many_columns", `Line ${start} has ${fields.length} columns; at most ${options.maxColumns} are allowed.`);
        if (!header) {
          header = headerColumns(fields, options.hasHeader);
          resolveColumns(header);
          if (options.hasHeader) continue;
        }
        if (++rows > options.maxRows)
          throw new AppError("too_many_rows", `The file has more than ${options.maxRows.toLocaleString("en")} rows, the most one import may hold.`);
        yield { line: start, fields };
      }
      if (pipeError) throw pipeError;
      if (!header) resolveColumns(null);
    } catch (e) {
      rejectColumns(e);
      throw pipeError ?? e;
    } finally {
      input.destroy();
      (papa as unknown as Readable).destroy();
    }
  }

  return { columns, records: records() };
}
