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
 *  - hand out pieces of whole records (each ends with a record's "\n", but the last piece of the file), so
 *    that papaparse can parse each piece on its own, at once (parse.ts). A record that goes on past the
 *    text read so far waits for the rest; it is never longer than `maxRecordChars`.
 */
export type RecordEndsOptions = {
  delimiter: string;
  maxRecordChars: number;
  /** Counts line breaks met inside quoted fields so far (lets the parser skip looking for them while 0). */
  stats?: { quotedLineBreaks: number };
};

/** Text looked at in one go: the pieces handed out are about this long (plus an unfinished record). */
const PART_CHARS = 64 * 1024;
const QUOTE = 34;
const CR = 13;
const LF = 10;
const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
/**
 * Between a closing quote and the delimiter papa allows any whitespace (its test is `.trim() === ""`):
 * spaces, tabs, no-break spaces… — JavaScript's \s is the same set. Line breaks end the record instead.
 */
const isSpaceAfterQuote = (c: number) => c !== CR && c !== LF && /\s/.test(String.fromCharCode(c));

export async function* normaliseRecordEnds(
  text: AsyncIterable<string>,
  options: RecordEndsOptions,
): AsyncGenerator<string> {
  const { delimiter, maxRecordChars, stats } = options;
  const delim0 = delimiter.charCodeAt(0);
  let inQuotes = false;
  let fieldStart = true;
  let recordChars = 0;
  let line = 1; // physical line at the current position
  let recordLine = 1; // physical line where the current record starts
  let afterCr = false; // the last character was a CR (a following LF belongs to the same line break)
  let carry = ""; // text not looked at yet: its end could not be decided (a CR, a quote) without more text
  let pending = ""; // text looked at already: the start of a record whose end has not come yet

  const tooLarge = (): never => {
    throw new AppError(
      "record_too_large",
      `The record starting on line ${recordLine} is longer than ${Math.round(maxRecordChars / 1024 / 1024)} MiB — probably a quote that is never closed. Check the quoting of the file.`,
    );
  };
  const isDelimiterAt = (s: string, i: number) =>
    s.charCodeAt(i) === delim0 && (delimiter.length === 1 || s.startsWith(delimiter, i));
  // Runs of characters that are neither a quote nor a line break are skipped at once (indexOf), not one by
  // one: a single-character delimiter only matters as the last character of such a run.
  const skipRuns = delimiter.length === 1 && !'"\r\n'.includes(delimiter);

  /**
   * Rewrites `s`; returns the whole records ready for papaparse (with the `pending` start of the first one),
   * keeps the start of an unfinished record in `pending` and an undecidable tail in `carry`.
   */
  function rewrite(s: string, final: boolean): string {
    const len = s.length;
    let out = "";
    let emitted = 0; // s[emitted..i) is not yet in `out`
    let i = 0;
    let lastRecordEnd = -1; // in s, just after the last record end outside quotes
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
          while (k < len && isSpaceAfterQuote(s.charCodeAt(k)) && !isDelimiterAt(s, k)) k++;
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
        lastRecordEnd = end;
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
    const rewritten = emitted === 0 ? s.slice(0, i) : out + s.slice(emitted, i);
    if (final) {
      const rest = pending + rewritten;
      pending = "";
      return rest;
    }
    if (lastRecordEnd < 0) {
      pending += rewritten;
      return "";
    }
    // After the last record end nothing was rewritten: the unfinished record is s[lastRecordEnd..i) as it is.
    const unfinished = i - lastRecordEnd;
    const records = pending + rewritten.slice(0, rewritten.length - unfinished);
    pending = s.slice(lastRecordEnd, i);
    return records;
  }

  for await (const chunk of text) {
    // Big chunks (an upload's are 1 MiB) are looked at in parts, so a piece holds a few hundred records. A
    // part never ends inside a surrogate pair: an emoji delimiter cut in half would not be seen.
    for (let at = 0; at < chunk.length; ) {
      let end = Math.min(at + PART_CHARS, chunk.length);
      if (end < chunk.length && isHighSurrogate(chunk.charCodeAt(end - 1))) end--;
      const records = rewrite(carry + chunk.slice(at, end), false);
      if (records) yield records;
      at = end;
    }
  }
  const rest = rewrite(carry, true);
  if (rest) yield rest;
  if (inQuotes)
    throw new AppError(
      "unclosed_quote",
      `A quoted field starting on line ${recordLine} is never closed. Check the quoting of the file.`,
    );
}
