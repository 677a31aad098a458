import { AppError } from "@/lib/errors";

/**
 * An incremental RFC 4180 tokenizer: text goes in chunk by chunk (any split, even inside a quote or a CRLF),
 * complete records come out with the 1-based physical line where each starts.
 *
 * Why not papaparse: its Node stream mode (NODE_STREAM_INPUT) stops emitting rows — and hangs — when one
 * written chunk yields more rows than its readable buffer holds (its pause/resume path), which happens with
 * any network-sized chunk. This tokenizer keeps exactly the behaviour we need and nothing is buffered
 * beyond the current record.
 *
 * Rules: `"` opens a quoted field only at the start of a field; inside quotes `""` is a quote and line
 * breaks are data; after the closing quote, characters up to the next delimiter are kept literally (as
 * spreadsheets do). Records end at CRLF, LF or CR. Blank lines are skipped (but counted).
 */
export type RawRecord = { line: number; fields: string[] };

const LINE_BREAK = /\r\n|\n|\r/g;

export class CsvTokenizer {
  private fields: string[] = [];
  private field = "";
  private fieldStart = true; // nothing of the current field consumed yet
  private inQuotes = false;
  private quotePending = false; // a `"` ended the last chunk while inside quotes: escaped or closing?
  private crPending = false; // a CR ended the last chunk: skip a following LF
  private recordChars = 0;
  private line = 1; // physical line where the current record starts
  private readonly special: RegExp;

  constructor(
    private readonly delimiter: string,
    private readonly maxRecordChars: number,
  ) {
    const d = delimiter.replace(/[\\^$.*+?()[\]{}|-]/g, "\\$&");
    this.special = new RegExp(`[${d}\\r\\n]`, "g");
  }

  push(s: string, out: RawRecord[]): void {
    let i = 0;
    const len = s.length;
    if (this.crPending) {
      this.crPending = false;
      if (s.charCodeAt(0) === 10) i = 1;
    }
    if (this.quotePending) {
      this.quotePending = false;
      if (s.charCodeAt(i) === 34) {
        this.append('"');
        i++;
      } else this.inQuotes = false;
    }
    while (i < len) {
      if (this.inQuotes) {
        const j = s.indexOf('"', i);
        if (j < 0) {
          this.append(s.slice(i));
          return;
        }
        this.append(s.slice(i, j));
        if (j + 1 >= len) {
          this.quotePending = true;
          return;
        }
        if (s.charCodeAt(j + 1) === 34) {
          this.append('"');
          i = j + 2;
        } else {
          this.inQuotes = false;
          i = j + 1;
        }
        continue;
      }
      if (this.fieldStart && s.charCodeAt(i) === 34) {
        this.inQuotes = true;
        this.fieldStart = false;
        i++;
        continue;
      }
      // Fast path: a whole line without quotes at the start of a record.
      if (this.fieldStart && this.fields.length === 0) {
        const nl = s.indexOf("\n", i);
        if (nl >= 0) {
          const end = nl > i && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
          const text = s.slice(i, end);
          if (text.indexOf('"') < 0 && text.indexOf("\r") < 0) {
            if (text.length > this.maxRecordChars) this.tooLarge();
            this.emitLine(text.split(this.delimiter), out);
            i = nl + 1;
            continue;
          }
        }
      }
      this.special.lastIndex = i;
      const m = this.special.exec(s);
      if (!m) {
        this.append(s.slice(i));
        this.fieldStart = false;
        return;
      }
      const k = m.index;
      if (k > i) {
        this.append(s.slice(i, k));
        this.fieldStart = false;
      }
      const ch = s.charCodeAt(k);
      if (ch === 13 || ch === 10) {
        this.endRecord(out);
        if (ch === 13) {
          if (k + 1 >= len) {
            this.crPending = true;
            return;
          }
          i = s.charCodeAt(k + 1) === 10 ? k + 2 : k + 1;
        } else i = k + 1;
      } else {
        this.endField();
        i = k + this.delimiter.length;
      }
    }
  }

  /** End of input: the last record (no final newline needed). */
  end(out: RawRecord[]): void {
    if (this.quotePending) {
      this.quotePending = false;
      this.inQuotes = false;
    }
    if (this.inQuotes)
      throw new AppError("unclosed_quote", `A quoted field starting on line ${this.line} is never closed. Check the quoting of the file.`);
    if (!this.fieldStart || this.fields.length > 0) this.endRecord(out);
  }

  private append(text: string): void {
    this.field += text;
    this.recordChars += text.length;
    if (this.recordChars > this.maxRecordChars) this.tooLarge();
  }

  private tooLarge(): never {
    throw new AppError(
      "record_too_large",
      `The record starting on line ${this.line} is longer than ${Math.round(this.maxRecordChars / 1024 / 1024)} MiB — probably a quote that is never closed. Check the quoting of the file.`,
    );
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = "";
    this.fieldStart = true;
  }

  private endRecord(out: RawRecord[]): void {
    this.endField();
    this.emitLine(this.fields, out);
    this.fields = [];
  }

  private emitLine(fields: string[], out: RawRecord[]): void {
    const start = this.line;
    let breaks = 0;
    for (const f of fields) if (f.indexOf("\n") >= 0 || f.indexOf("\r") >= 0) breaks += f.match(LINE_BREAK)?.length ?? 0;
    this.line += 1 + breaks;
    this.recordChars = 0;
    if (fields.length === 1 && fields[0] === "") return; // blank line
    out.push({ line: start, fields });
  }
}
