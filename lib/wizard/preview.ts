import type { Field, Mapping, Sync } from "@/db/schema";
import { isAppError, safeMessage } from "@/lib/errors";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { openSource } from "@/lib/sources";
import { mappingDefaults } from "@/lib/wizard/mapping-step";
import { buildSourceSpec } from "@/lib/sync/source";
import { openCsv, rowValidatorFor } from "@/lib/sync/csv";
import { bomOf, type Encoding } from "@/lib/sync/decode";
import type { RowError } from "@/lib/sync/validate";
import { AUTO_KEY } from "@/lib/wizard/schemas";
import { detectDelimiter } from "@/lib/wizard/detect";

/**
 * The wizard's preview (step 2): the first rows of the source as the engine reads them — the engine's own
 * decode, parse and validate stages (`openCsv`, as the run opens its file) over a bounded prefix of the
 * source, never a second parser.
 */
export type PreviewRow = { line: number; cells: string[]; errors: RowError[] };
export type Preview = {
  sourceName: string | null;
  columns: string[];
  rows: PreviewRow[];
  /** Rows were cut at the preview's size (the file goes on). */
  more: boolean;
  /** The encoding the decoder used (auto resolves to one). */
  encodingUsed: string | null;
  /** A delimiter suggestion when the sample looks separated by another character than the chosen one. */
  suggestedDelimiter: string | null;
  /** An encoding suggestion when the chosen one cannot be right (a BOM says otherwise, or the bytes are invalid). */
  suggestedEncoding: Encoding | null;
  /** Fingerprints seen while connecting, to show/pin. */
  seenHostKey?: string;
  seenTlsFingerprint?: string;
  /** A problem that stops the whole file (connection, encoding, header): shown instead of rows. */
  fatal: { code: string; message: string } | null;
};

export const PREVIEW_ROWS = 20;
/** How much of a file the preview reads beyond one record of the longest size the run accepts. */
const PREVIEW_WINDOW_BYTES = 2 * 1024 * 1024;
/** A cell is shortened to this many characters on the page (the whole value is checked). */
const PREVIEW_CELL_CHARS = 500;

/**
 * The bytes the preview may read: its window plus one record of the longest length the parser accepts (in
 * the widest encoding), so a long first record still shows as the row (or the error) the run reports.
 */
function previewMaxBytes(maxFieldBytes: number): number {
  const maxRecordChars = Math.max(4 * maxFieldBytes, 4 * 1024 * 1024);
  return PREVIEW_WINDOW_BYTES + 4 * maxRecordChars;
}

function shorten(cell: string): string {
  return cell.length > PREVIEW_CELL_CHARS ? `${cell.slice(0, PREVIEW_CELL_CHARS)}…` : cell;
}

/** Pull at most `max` bytes of a stream; `cut` tells whether it went on. */
async function* bounded(
  stream: AsyncIterable<Buffer | Uint8Array | string>,
  max: number,
  state: { cut: boolean; sample: Buffer[] },
): AsyncGenerator<Buffer> {
  let total = 0;
  let sampled = 0;
  for await (const piece of stream) {
    let chunk = typeof piece === "string" ? Buffer.from(piece) : Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
    if (total + chunk.length > max) {
      chunk = chunk.subarray(0, max - total);
      // End on a line break so the decoder is not handed half a character (UTF-16: keep the pair whole).
      const lf = chunk.lastIndexOf(0x0a);
      if (lf >= 0) chunk = chunk.subarray(0, lf + 1 + (chunk[lf + 1] === 0 ? 1 : 0));
      state.cut = true;
    }
    total += chunk.length;
    if (sampled < 64 * 1024) {
      state.sample.push(chunk);
      sampled += chunk.length;
    }
    yield chunk;
    if (state.cut) return;
  }
}

/** The mapping to validate preview rows with: the stored one when it fits these columns, else a name-based guess. */
function previewMapping(columns: string[], fields: Field[], stored: Mapping | null): Mapping {
  const d = mappingDefaults(columns, fields, stored);
  const autoKey = d.key === AUTO_KEY || !d.key;
  return { columns: d.columns.filter((c) => c.fieldId), keyColumn: autoKey ? null : d.key, autoKey };
}

/** Errors of decoding itself: no encoding was found that reads the file. */
const DECODE_FAILURES = new Set(["not_text", "invalid_encoding"]);

export async function buildPreview(
  sync: Sync,
  fields: Field[],
  opts: { rows?: number; signal?: AbortSignal } = {},
): Promise<Preview> {
  const wanted = opts.rows ?? PREVIEW_ROWS;
  const preview: Preview = {
    sourceName: null,
    columns: [],
    rows: [],
    more: false,
    encodingUsed: null,
    suggestedDelimiter: null,
    suggestedEncoding: null,
    fatal: null,
  };
  let close: (() => Promise<void>) | null = null;
  const state = { cut: false, sample: [] as Buffer[] };
  let decoded: ReturnType<typeof openCsv>["decoded"] | null = null;
  try {
    // The preview reads the file as the run will (archives, ready markers), but never waits for it to settle.
    const opened = await openSource({ ...buildSourceSpec(sync), settleSeconds: 0 }, { signal: opts.signal });
    if (opened.unchanged) {
      if (!opened.notReady) throw new Error("openSource reported unchanged without a previous fingerprint");
      preview.sourceName = opened.name;
      preview.fatal = { code: "not_ready", message: opened.notReady };
      return preview;
    }
    const source = opened.source;
    close = () => source.close();
    preview.sourceName = source.name;
    preview.seenHostKey = source.seenHostKey;
    preview.seenTlsFingerprint = source.seenTlsFingerprint;

    const csv = openCsv(bounded(source.stream, previewMaxBytes(env.MAX_FIELD_BYTES), state), sync);
    decoded = csv.decoded;
    const parsed = csv.parsed;
    let validate: ReturnType<typeof rowValidatorFor> | null = null;
    let planError: string | null = null;
    for await (const record of parsed.records) {
      if (!validate && !planError) {
        preview.columns = (await parsed.columns) ?? [];
        try {
          validate = rowValidatorFor(preview.columns, previewMapping(preview.columns, fields, sync.mapping), fields);
        } catch (e) {
          planError = safeMessage(e);
        }
      }
      if (preview.rows.length >= wanted) {
        preview.more = true;
        break;
      }
      const errors: RowError[] = [];
      validate?.(record, errors);
      preview.rows.push({ line: record.line, cells: record.fields.map(shorten), errors });
    }
    if (!preview.columns.length) preview.columns = (await parsed.columns.catch(() => null)) ?? [];
    // A record cut by the byte bound is not a real row error.
    if (state.cut && !preview.more && preview.rows.length > 0) {
      preview.rows.pop();
      preview.more = true;
    }
    if (!preview.columns.length) preview.fatal = { code: "empty_file", message: "The file has no lines to import." };
  } catch (e) {
    if (!isAppError(e)) logger.warn("preview failed", { syncId: sync.id, err: e });
    preview.fatal = {
      code: isAppError(e) ? e.code : "internal",
      message: isAppError(e) ? e.message : "The file could not be read. The problem has been logged.",
    };
  } finally {
    await close?.().catch(() => {});
  }
  // Also when the text was decoded and then refused further on (say, by its header).
  if (!DECODE_FAILURES.has(preview.fatal?.code ?? "")) preview.encodingUsed = decoded?.stats.encoding ?? null;
  // A file that cannot be read as text has no delimiter to suggest.
  const unreadable = DECODE_FAILURES.has(preview.fatal?.code ?? "");
  preview.suggestedDelimiter = unreadable ? null : suggestDelimiter(state.sample, preview.encodingUsed, sync.delimiter);
  preview.suggestedEncoding = suggestEncoding(state.sample, sync.encoding as Encoding, preview.fatal?.code);
  return preview;
}

function suggestEncoding(sample: Buffer[], chosen: Encoding, fatalCode: string | undefined): Encoding | null {
  const head = Buffer.concat(sample).subarray(0, 1024);
  const bom = bomOf(head);
  if (bom && chosen !== "auto" && chosen !== bom) return bom;
  if (fatalCode === "invalid_encoding" && chosen !== "windows-1252" && !bom) return "windows-1252";
  if (fatalCode === "not_text" && !bom) return utf16Order(head);
  return null;
}

/**
 * UTF-16 text without a BOM, told apart from other binary data: mostly-ASCII text in UTF-16 has a zero
 * in every other byte (odd positions: little endian, even: big endian) and none in between.
 */
function utf16Order(bytes: Buffer): Encoding | null {
  const pairs = Math.floor(bytes.length / 2);
  if (pairs < 4) return null;
  let zeroEven = 0;
  let zeroOdd = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (bytes[i] === 0) zeroEven++;
    if (bytes[i + 1] === 0) zeroOdd++;
  }
  if (zeroOdd >= pairs * 0.7 && zeroEven === 0) return "utf-16le";
  if (zeroEven >= pairs * 0.7 && zeroOdd === 0) return "utf-16be";
  return null;
}

function suggestDelimiter(sample: Buffer[], encoding: string | null, chosen: string): string | null {
  if (!sample.length) return null;
  const bytes = Buffer.concat(sample);
  let text: string;
  try {
    text = new TextDecoder(encoding ?? "utf-8").decode(bytes);
  } catch {
    return null;
  }
  const detected = detectDelimiter(text);
  return detected && detected !== chosen ? detected : null;
}
