import { AppError } from "@/lib/errors";

/**
 * The input side of the parse stage, in front of papaparse: it follows the quoting exactly as papaparse
 * reads it (a `"` opens a quoted field only at the start of a field; inside quotes `""` is a quote and a
 * `"` closes the field only when spaces and then a delimiter, a line break or the end follow — any other
 * `"` is data) so that it can:
 *  - turn every record end outside quotes (CRLF, LF or a lone CR, mixed freely) into "\n", because
 *    papaparse splits records on one fixed newline; line breaks inside quoted fields are left untouched;
 *  - refuse a record longer than `maxRecordChars` (a quote that is never closed, or a hostile file) before
 *    papaparse buffers it: papaparse keeps the whole unfinished record in memory;
 *  - report a quote still open at the end of the file, with the line where its record starts;
 *  - hand papaparse pieces of at most `pieceChars`: papaparse pauses every few rows when its reader is
 *    slower, and each resume rescans the rest of the piece it was given, so big pieces cost quadratic time.
 */
export type RecordEndsOptions = {
  delimiter: string;
  maxRecordChars: number;
  pieceChars?: number;
  /** Counts line breaks met inside quoted fields so far (lets the parser skip looking for them while 0). */
  stats?: { quotedLineBreaks: number };
};

const QUOTE = 34;
const CR = 13;
const LF = 10;
const SPACE = 32;
const TAB = 9;

export async function* normaliseRecordEnds(text: AsyncIterable<string>, options: RecordEndsOptions): AsyncGenerator<string> {
  const { delimiter, maxRecordChars, stats } = options;
  const pieceChars = options.pieceChars ?? 64 * 1024;
  const delim0 = delimiter.charCodeAt(0);
  let inQuotes = false;
  let fieldStart = true;
  let recordChars = 0;
  let line = 1; // physical line at the current position
  let recordLine = 1; // physical line where the current record starts
  let afterCr = false; // the last character was a CR (a following LF belongs to the same line break)
  let carry = "";

  const tooLarge = (): never => {
    throw new AppError(
      "record_too_large",
      `The record starting on line ${recordLine} is longer than ${Math.round(maxRecordChars / 1024 / 1024)} MiB — probably a quote that is never closed. Check the quoting of the file.`,
    );
  };
  const isDelimiterAt = (s: string, i: number) => s.charCodeAt(i) === delim0 && (delimiter.length === 1 || s.startsWith(delimiter, i));
  // Runs of characters that are neither a quote nor a line break are skipped at once (indexOf), not one by
  // one: a single-character delimiter only matters as the last character of such a run.
  const skipRuns = delimiter.length === 1 && !'"\r\n'.includes(delimiter);

  /** Rewrites `s`; returns the text ready for papaparse and keeps an undecidable tail in `carry`. */
  function rewrite(s: string, final: boolean): string {
    const len = s.length;
    let out = "";
    let emitted = 0; // s[emitted..i) is not yet in `out`
    let i = 0;
    // The next quote, CR and LF at or after i (-1: none left in s; refreshed once i passes them).
    let nextQuote = -2;
    let nextCr = -2;
    let nextLf = -2;
    while (i < len) {
      if (skipRuns) {
        if (nextQuote !== -1 && nextQuote < i) nextQuote = s.indexOf('"', i);
        if (nextCr !== -1 && nextCr < i) nextCr = s.indexOf("\r", i);
        if (nextLf !== -1 && nextLf < i) nextLf = s.indexOf("\n", i);
        let lineBreak = nextCr === -1 ? nextLf : nextLf === -1 ? nextCr : Math.min(nextCr, nextLf);
        if (lineBreak === -1) lineBreak = len;
        const quote = nextQuote === -1 ? len : nextQuote;
        const runEnd = Math.min(quote, lineBreak);
        if (runEnd > i) {
          recordChars += runEnd - i;
          if (recordChars > maxRecordChars) tooLarge();
          if (!inQuotes) fieldStart = s.charCodeAt(runEnd - 1) === delim0;
          afterCr = false;
          i = runEnd;
          continue;
        }
      }
      const c = s.charCodeAt(i);
      if (inQuotes) {
        if (c === QUOTE) {
          const j = i + 1;
          if (j >= len) {
            if (!final) break;
            inQuotes = false; // closing quote at the end of the file
            i = j;
            continue;
          }
          if (s.charCodeAt(j) === QUOTE) {
            i = j + 1; // "" is an escaped quote
            recordChars += 2;
            afterCr = false;
            continue;
          }
          let k = j;
          while (k < len && (s.charCodeAt(k) === SPACE || s.charCodeAt(k) === TAB) && !isDelimiterAt(s, k)) k++;
          if (k + delimiter.length > len && !final) break; // need more text to decide
          const next = s.charCodeAt(k);
          if (k >= len || next === CR || next === LF || isDelimiterAt(s, k)) inQuotes = false;
          i = j;
          recordChars++;
          afterCr = false;
          continue;
        }
        if (c === CR || (c === LF && !afterCr)) {
          line++;
          if (stats) stats.quotedLineBreaks++;
        }
        afterCr = c === CR;
        if (++recordChars > maxRecordChars) tooLarge();
        i++;
        continue;
      }
      afterCr = false;
      if (c === CR || c === LF) {
        let end = i + 1;
        if (c === CR) {
          if (end >= len && !final) break; // is it CRLF?
          if (s.charCodeAt(end) === LF) end++;
          out += s.slice(emitted, i) + "\n";
          emitted = end;
        }
        i = end;
        line++;
        recordLine = line;
        recordChars = 0;
        fieldStart = true;
        continue;
      }
      if (++recordChars > maxRecordChars) tooLarge();
      if (c === QUOTE && fieldStart) {
        inQuotes = true;
        fieldStart = false;
        i++;
      } else if (isDelimiterAt(s, i)) {
        fieldStart = true;
        i += delimiter.length;
      } else {
        fieldStart = false;
        i++;
      }
    }
    carry = s.slice(i);
    if (carry.length > maxRecordChars) tooLarge();
    return emitted === 0 ? s.slice(0, i) : out + s.slice(emitted, i);
  }

  function* pieces(s: string): Generator<string> {
    for (let at = 0; at < s.length; at += pieceChars) yield s.slice(at, at + pieceChars);
  }

  for await (const chunk of text) {
    if (!chunk) continue;
    yield* pieces(rewrite(carry + chunk, false));
  }
  yield* pieces(rewrite(carry, true));
  if (inQuotes)
    throw new AppError("unclosed_quote", `A quoted field starting on line ${recordLine} is never closed. Check the quoting of the file.`);
}
