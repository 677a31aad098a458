import { createHash } from "node:crypto";
import { isUtf8 } from "node:buffer";
import { AppError } from "@/lib/errors";

import type { Encoding } from "@/lib/vocabulary";

export type { Encoding };
type Concrete = Exclude<Encoding, "auto">;

/** What the decode stage learnt about the raw bytes; filled while the text is consumed. */
export type DecodeStats = {
  bytes: number;
  /** The encoding actually used (known once the first bytes were seen). */
  encoding: Concrete | null;
  /** Hex SHA-256 of every raw byte; valid once the text iterable is exhausted. */
  sha256(): string;
};

const BOMS: { bytes: number[]; encoding: Concrete }[] = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: "utf-8" },
  { bytes: [0xff, 0xfe], encoding: "utf-16le" },
  { bytes: [0xfe, 0xff], encoding: "utf-16be" },
];

/** The encoding a byte-order mark at the start of `buf` names, or null. */
export function bomOf(buf: Buffer): Concrete | null {
  for (const b of BOMS) if (buf.length >= b.bytes.length && b.bytes.every((x, i) => buf[i] === x)) return b.encoding;
  return null;
}

/**
 * Length of the trailing bytes that are the start of an unfinished UTF-8 sequence (0..3): they are validated
 * together with the next chunk. Only a real start counts — a lead byte C2..F4 and the continuation bytes it
 * allows (WHATWG's decoder): "ü" (FC) or "à€" (E0 80) at the end of a Windows-1252 chunk are invalid right
 * away, which switches the file to Windows-1252 instead of reaching the strict decoder.
 */
function incompleteTail(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = buf[n - back];
    if (b < 0x80) return 0;
    if (b < 0xc0) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    if (need <= back || b < 0xc2 || b > 0xf4) return 0;
    if (back > 1) {
      const second = buf[n - back + 1];
      const [lo, hi] =
        b === 0xe0
          ? [0xa0, 0xbf]
          : b === 0xed
            ? [0x80, 0x9f]
            : b === 0xf0
              ? [0x90, 0xbf]
              : b === 0xf4
                ? [0x80, 0x8f]
                : [0x80, 0xbf];
      if (second < lo || second > hi) return 0;
    }
    return back;
  }
  return 0;
}

/** Byte offset of the first invalid UTF-8 sequence in `buf` (which holds whole sequences only), or -1. */
export function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) (need = 2), (lo = 0xa0);
    else if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) need = 2;
    else if (b === 0xed) (need = 2), (hi = 0x9f);
    else if (b === 0xf0) (need = 3), (lo = 0x90);
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else if (b === 0xf4) (need = 3), (hi = 0x8f);
    else return i;
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Bytes looked at before decoding starts: a BOM, or signs that the file is not text at all. */
const SNIFF_BYTES = 4096;

const SIGNATURES: { bytes: number[]; what: string }[] = [
  {
    bytes: [0x50, 0x4b, 0x03, 0x04],
    what: "a ZIP archive — an Excel workbook (.xlsx) or an OpenDocument spreadsheet (.ods) is one",
  },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], what: "an Excel 97–2003 workbook (.xls)" },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], what: "a PDF document" },
  { bytes: [0x1f, 0x8b], what: "a gzip-compressed file" },
];

/**
 * Why the first bytes of a file cannot be CSV text in a one-byte encoding, or null: a known binary format
 * (the usual mistake: a spreadsheet saved as .xlsx), or NUL bytes (binary data, or UTF-16 without a BOM).
 */
export function notTextReason(head: Buffer): string | null {
  const known = SIGNATURES.find((s) => head.length >= s.bytes.length && s.bytes.every((b, i) => head[i] === b));
  if (known)
    return `This file is ${known.what}, not a CSV file. Save it as CSV (comma-separated values) and import that file.`;
  if (head.includes(0))
    return "This file contains binary data (NUL bytes), so it is not a CSV text file. If it is UTF-16 text without a byte-order mark, choose UTF-16 as its encoding.";
  return null;
}

/**
 * Decode a raw byte stream into text, streaming (a multi-byte character split across chunks stays whole).
 *
 * Encoding rules: a BOM decides (UTF-8, UTF-16LE/BE) and is stripped; otherwise "auto" reads the
 * bytes as UTF-8 while they are valid UTF-8. Nothing is buffered for sniffing, so when the first invalid
 * UTF-8 byte shows up we decide then:
 *  - if every character emitted so far was ASCII (the usual Windows-1252 file: ASCII, then an "é"), the
 *    rest is decoded as Windows-1252 — identical to having chosen Windows-1252 from the start;
 *  - if real UTF-8 characters were already emitted, the file mixes encodings: the run fails with a message
 *    asking to choose the encoding explicitly (nothing is applied before the whole file was read).
 * A forced encoding is used as is; invalid bytes in forced UTF-8/UTF-16 fail the run with the byte offset.
 * A file that starts like a binary format (a spreadsheet, a PDF, NUL bytes) fails at once (notTextReason).
 */
/** A source that sends more than the limit: a file bigger than allowed, or a server that never stops sending. */
function tooLarge(maxBytes: number): AppError {
  const size =
    maxBytes >= 1024 ** 3 ? `${+(maxBytes / 1024 ** 3).toFixed(2)} GiB` : `${+(maxBytes / 1024 ** 2).toFixed(2)} MiB`;
  return new AppError(
    "file_too_large",
    `The file is larger than ${size}, the most an import reads (SOURCE_MAX_BYTES). Nothing was imported. Split the file, or ask an operator to raise the limit.`,
  );
}

export function decodeStream(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  options: { encoding?: Encoding; maxBytes?: number } = {},
) {
  const hash = createHash("sha256");
  let digest: string | null = null;
  const stats: DecodeStats = {
    bytes: 0,
    encoding: null,
    sha256: () => (digest ??= hash.digest("hex")),
  };
  const requested = options.encoding ?? "auto";

  async function* text(): AsyncGenerator<string> {
    let head: Buffer | null = Buffer.alloc(0);
    let decoder: TextDecoder | null = null;
    let mode: "utf8-tentative" | "fixed" = "fixed";
    let emittedNonAscii = false;
    let carry: Buffer = Buffer.alloc(0); // unfinished UTF-8 sequence of the previous chunk (tentative mode)
    let offset = 0; // raw bytes before the current chunk

    const start = (buf: Buffer): Buffer => {
      const bom = bomOf(buf);
      const utf16 = bom === "utf-16le" || bom === "utf-16be" || requested === "utf-16le" || requested === "utf-16be";
      const reason = utf16 ? null : notTextReason(buf.subarray(0, SNIFF_BYTES));
      if (reason) throw new AppError("not_text", reason);
      let enc: Concrete;
      if (requested === "auto") {
        enc = bom ?? "utf-8";
        mode = bom ? "fixed" : "utf8-tentative";
      } else {
        enc = requested;
        mode = "fixed";
      }
      stats.encoding = enc;
      // The WHATWG decoder strips a BOM that matches its own encoding; a foreign BOM would be data.
      decoder = new TextDecoder(enc, { fatal: enc !== "windows-1252" });
      return buf;
    };

    const fixedDecode = (buf: Buffer, final: boolean): string => {
      try {
        return decoder!.decode(buf, { stream: !final });
      } catch {
        throw new AppError(
          "invalid_encoding",
          `The file is not valid ${stats.encoding?.toUpperCase()} (around byte ${offset + buf.length}). Choose the file's encoding (for example Windows-1252) and run again.`,
        );
      }
    };

    const switchTo1252 = (bytes: Buffer): string => {
      stats.encoding = "windows-1252";
      mode = "fixed";
      decoder = new TextDecoder("windows-1252");
      return decoder.decode(bytes, { stream: true });
    };

    const tentative = (chunk: Buffer, final: boolean): string => {
      const joined = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const tail = final ? 0 : incompleteTail(joined);
      const whole = tail ? joined.subarray(0, joined.length - tail) : joined;
      if (isUtf8(whole)) {
        carry = tail ? Buffer.from(joined.subarray(joined.length - tail)) : Buffer.alloc(0);
        const out = decoder!.decode(chunk, { stream: !final });
        if (!emittedNonAscii && NON_ASCII.test(out)) emittedNonAscii = true;
        return out;
      }
      const bad = firstInvalidUtf8(whole);
      // Real UTF-8 characters before the bad byte, emitted earlier or in this very chunk: mixed encodings.
      if (!emittedNonAscii && !whole.subarray(0, Math.max(bad, 0)).some((b) => b >= 0x80)) {
        // Everything emitted so far was ASCII, which reads the same in Windows-1252: switch seamlessly. The
        // UTF-8 decoder may hold `carry` without having emitted it, so those bytes are re-decoded here.
        const out = switchTo1252(joined);
        return final ? out + decoder!.decode() : out;
      }
      throw new AppError(
        "invalid_encoding",
        `The file is not valid UTF-8 at byte ${offset - carry.length + Math.max(bad, 0)} although earlier lines are UTF-8. Choose the file's encoding explicitly (for example Windows-1252) and run again.`,
      );
    };

    const feed = (chunk: Buffer, final: boolean): string =>
      mode === "utf8-tentative" ? tentative(chunk, final) : fixedDecode(chunk, final);

    for await (const piece of source) {
      const chunk =
        typeof piece === "string" ? Buffer.from(piece) : Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
      if (chunk.length === 0) continue;
      stats.bytes += chunk.length;
      if (options.maxBytes !== undefined && stats.bytes > options.maxBytes) throw tooLarge(options.maxBytes);
      hash.update(chunk);
      let buf = chunk;
      if (head) {
        // The first SNIFF_BYTES (or the whole file) are looked at together: a BOM or a binary format split
        // across small chunks is still recognised.
        head = Buffer.concat([head, chunk]);
        if (head.length < SNIFF_BYTES) continue;
        buf = start(head);
        head = null;
      }
      const out = feed(buf, false);
      offset += buf.length;
      if (out) yield out;
    }
    if (head) {
      if (head.length === 0) {
        stats.encoding = requested === "auto" ? "utf-8" : requested;
        return;
      }
      const out = feed(start(head), true);
      if (out) yield out;
      return;
    }
    const out = feed(Buffer.alloc(0), true);
    if (out) yield out;
  }

  return { text: text(), stats };
}
