/**
 * The live contacts of one manager as the re-sync compares them in Node: normalised key → stored row hash,
 * and whether the file has named the key yet (and on which line). Read once, under the manager's lock, so
 * nothing else changes these contacts until the run commits (imports, reverts and deletion take that lock).
 *
 * A row whose key is known and whose row hash equals the stored one is unchanged: it is not staged at all.
 * The keys the file never named are the candidates of "delete missing contacts". Duplicates of a known key
 * are found exactly (the first line is kept), not by the Bloom filter.
 *
 * Memory is flat typed arrays outside the JS heap, about 55 bytes a contact for a 30-byte key: the key
 * bytes in one arena, the 8 bytes of the row hash digest, the first line, and an open-addressing table of slots. Keys are
 * compared byte for byte, so a collision of the 32-bit slot hash never mistakes one key for another.
 */
import type { Readable } from "node:stream";
import type postgres from "postgres";
import { throughKeyIndex } from "@/lib/sync/apply";
import { DIGEST_HEX } from "@/lib/sync/row-hash";
import { isUuid } from "@/lib/vocabulary";

type Tx = postgres.Sql;

/** Bytes of a stored row hash's digest (row-hash.ts): all of it. */
const DIGEST = DIGEST_HEX / 2;
/** Managers with more live contacts are compared in SQL: the index must not grow without bound (~50 MB a million). */
export const MAX_KNOWN_CONTACTS = 1_500_000;

/** FNV-1a over bytes. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/**
 * `s` as UTF-8 into `out` (as Buffer#write: a lone surrogate becomes U+FFFD); the byte length, or -1 when
 * `out` is too short. Done here rather than by Buffer#write: a native call per key costs more than the key.
 */
function utf8Encode(s: string, out: Uint8Array): number {
  if (s.length * 3 > out.length) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) out[n++] = c;
    else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          out[n++] = 0xf0 | (c >> 18);
          out[n++] = 0x80 | ((c >> 12) & 63);
          out[n++] = 0x80 | ((c >> 6) & 63);
          out[n++] = 0x80 | (c & 63);
          continue;
        }
        c = 0xfffd;
      }
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  return n;
}

/** `bigger` holding `old`'s elements first. */
function grown<T extends Uint8Array | Uint32Array | Int32Array>(old: T, bigger: T): T {
  bigger.set(old);
  return bigger;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

export class KnownContacts {
  private keys: Buffer;
  private keysUsed = 0;
  /** Where slot i's key starts in `keys`; it ends where slot i + 1's starts (keyStart[size] = keysUsed). */
  private keyStart: Uint32Array;
  private digests: Uint8Array;
  /** 1 when the stored row hash is of this mapping (its tag) and so may equal a row's. */
  private comparable: Uint8Array;
  /** The line the file first named the key on; 0 while it has not. */
  private firstLine: Int32Array;
  /** 1 while the first row of the key was left out of the stage as unchanged. */
  private leftOutRows: Uint8Array;
  private table!: Int32Array;
  private mask = 0;
  private lastFound = -1;
  private scratch = new Uint8Array(1024);
  size = 0;

  /**
   * `tag`: the mapping tag that starts every row hash of the current mapping (row-hash.ts). `expected`: about
   * how many contacts will be added (the manager's count), so that the arrays are rarely grown and copied.
   */
  constructor(
    private readonly tag: string,
    expected = 0,
  ) {
    const slots = Math.max(1 << 14, expected + 1);
    this.keys = Buffer.allocUnsafe(Math.max(1 << 20, slots * 32));
    this.keyStart = new Uint32Array(slots);
    this.digests = new Uint8Array(slots * DIGEST);
    this.comparable = new Uint8Array(slots);
    this.firstLine = new Int32Array(slots);
    this.leftOutRows = new Uint8Array(slots);
    this.sizeTable(slots);
  }

  /** Adds one contact: its key and row hash as stored, `bytes[keyStart, keyEnd)` and `bytes[hashStart, hashEnd)`. */
  add(bytes: Uint8Array, keyStart: number, keyEnd: number, hashStart: number, hashEnd: number): void {
    const slot = this.size;
    const length = keyEnd - keyStart;
    if (slot + 1 >= this.keyStart.length) this.grow();
    if (this.keysUsed + length > this.keys.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.keys.length * 2, this.keysUsed + length));
      this.keys.copy(bigger, 0, 0, this.keysUsed);
      this.keys = bigger;
    }
    const keys = this.keys;
    let at = this.keysUsed;
    for (let i = keyStart; i < keyEnd; i++) keys[at++] = bytes[i];
    this.keyStart[slot] = this.keysUsed;
    this.keysUsed = at;
    this.keyStart[slot + 1] = at;
    this.comparable[slot] = this.readDigest(slot, bytes, hashStart, hashEnd) ? 1 : 0;
    this.size++;
    this.place(slot);
  }

  /** Stores the digest of a row hash `tag` + its hex digits; false for any other hash (another mapping or format). */
  private readDigest(slot: number, bytes: Uint8Array, start: number, end: number): boolean {
    const tag = this.tag;
    if (end - start !== tag.length + DIGEST_HEX) return false;
    for (let i = 0; i < tag.length; i++) if (bytes[start + i] !== tag.charCodeAt(i)) return false;
    const at = slot * DIGEST;
    const hex = start + tag.length;
    for (let i = 0; i < DIGEST; i++) {
      const hi = hexValue(bytes[hex + 2 * i]);
      const lo = hexValue(bytes[hex + 2 * i + 1]);
      if (hi < 0 || lo < 0) return false;
      this.digests[at + i] = (hi << 4) | lo;
    }
    return true;
  }

  private grow(): void {
    const n = this.keyStart.length * 2;
    this.keyStart = grown(this.keyStart, new Uint32Array(n));
    this.digests = grown(this.digests, new Uint8Array(n * DIGEST));
    this.comparable = grown(this.comparable, new Uint8Array(n));
    this.firstLine = grown(this.firstLine, new Int32Array(n));
    this.leftOutRows = grown(this.leftOutRows, new Uint8Array(n));
    this.sizeTable(n);
    for (let slot = 0; slot < this.size; slot++) this.place(slot);
  }

  /** An empty lookup table with room for `slots` contacts at half load. */
  private sizeTable(slots: number): void {
    let capacity = 16;
    while (capacity < slots * 2) capacity *= 2;
    this.table = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
  }

  /** Enters a slot in the lookup table (as it is added: the table is ready when the last contact is). */
  private place(slot: number): void {
    let i = hashBytes(this.keys, this.keyStart[slot], this.keyStart[slot + 1]) & this.mask;
    while (this.table[i] !== -1) i = (i + 1) & this.mask;
    this.table[i] = slot;
  }

  /** The slot of a live contact with this normalised key, or -1. */
  find(keyNorm: string): number {
    if (this.size === 0) return -1;
    const length = utf8Encode(keyNorm, this.scratch);
    if (length < 0) {
      this.scratch = new Uint8Array(keyNorm.length * 3);
      return this.find(keyNorm);
    }
    // A re-sync's file mostly lists its rows in the order of the last one, which is the contacts' order
    // here: the contact after the last one found is tried before the table.
    const next = this.lastFound + 1;
    let slot = next < this.size && this.keyIs(next, length) ? next : -1;
    for (let i = hashBytes(this.scratch, 0, length) & this.mask; slot === -1; i = (i + 1) & this.mask) {
      const candidate = this.table[i];
      if (candidate === -1) return -1;
      if (this.keyIs(candidate, length)) slot = candidate;
    }
    this.lastFound = slot;
    return slot;
  }

  /** Slot's key is the `length` bytes in `scratch`. */
  private keyIs(slot: number, length: number): boolean {
    const start = this.keyStart[slot];
    if (this.keyStart[slot + 1] - start !== length) return false;
    const keys = this.keys;
    const scratch = this.scratch;
    let j = 0;
    while (j < length && keys[start + j] === scratch[j]) j++;
    return j === length;
  }

  /** Records that the file names slot's key on `line`; returns the line it was first named on, or 0 (this is the first). */
  see(slot: number, line: number): number {
    const first = this.firstLine[slot];
    if (first === 0) this.firstLine[slot] = line;
    return first;
  }

  /** The key's first row was left out of the stage as unchanged. */
  leftOut(slot: number): void {
    this.leftOutRows[slot] = 1;
  }

  /** Whether the key's first row was left out (and not staged since); it counts as staged from now on. */
  takeLeftOut(slot: number): boolean {
    const was = this.leftOutRows[slot] === 1;
    this.leftOutRows[slot] = 0;
    return was;
  }

  /** The row's digest in hex (row-hash.ts, of the current mapping) equals the contact's stored row hash. */
  sameHash(slot: number, hexDigest: string): boolean {
    if (this.comparable[slot] === 0) return false;
    const at = slot * DIGEST;
    for (let i = 0; i < DIGEST; i++) {
      const byte = (hexValue(hexDigest.charCodeAt(2 * i)) << 4) | hexValue(hexDigest.charCodeAt(2 * i + 1));
      if (this.digests[at + i] !== byte) return false;
    }
    return true;
  }

  /** The keys the file has not named (live contacts missing from it), as stored. */
  *unseen(): Generator<string> {
    for (let slot = 0; slot < this.size; slot++)
      if (this.firstLine[slot] === 0) yield this.keys.toString("utf8", this.keyStart[slot], this.keyStart[slot + 1]);
  }
}

/**
 * Fills `known` from a binary COPY of (key_norm, row_hash) rows: a signature and header, then per row a
 * field count (int16) and each field as an int32 length and its bytes; a field count of -1 ends the data.
 */
export class BinaryCopyReader {
  private pending: Buffer | null = null;
  private headerDone = false;
  ended = false;

  constructor(private readonly known: KnownContacts) {}

  /** Takes the next piece of the COPY. postgres.js hands over one message at a time: here, one row. */
  push(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const used = this.read(buf);
    // A partial row waits for the rest (copied: a view would keep the whole chunk alive).
    this.pending = used < buf.length ? Buffer.from(buf.subarray(used)) : null;
  }

  /** Reads the whole rows at the start of `buf`; returns how many bytes they took. */
  private read(buf: Buffer): number {
    let pos = 0;
    if (!this.headerDone) {
      if (buf.length < 19 || buf.length < 19 + buf.readInt32BE(15)) return 0;
      pos = 19 + buf.readInt32BE(15);
      this.headerDone = true;
    }
    while (pos + 2 <= buf.length) {
      const fields = buf.readInt16BE(pos);
      if (fields === -1) {
        this.ended = true;
        return pos + 2;
      }
      if (fields !== 2) throw new Error(`unexpected field count ${fields} in the contacts' COPY`);
      if (pos + 6 > buf.length) break;
      const keyLength = buf.readInt32BE(pos + 2);
      if (pos + 10 + keyLength > buf.length) break;
      const hashLength = buf.readInt32BE(pos + 6 + keyLength);
      const end = pos + 10 + keyLength + hashLength;
      if (end > buf.length) break;
      this.known.add(buf, pos + 6, pos + 6 + keyLength, pos + 10 + keyLength, end);
      pos = end;
    }
    return pos;
  }
}

/**
 * Reads the manager's live contacts (key, row hash) through the key index. The caller holds the manager's
 * lock. `tag` is the current mapping's (row-hash.ts); `expected` the manager's contact count.
 */
export async function loadKnownContacts(
  tx: Tx,
  managerId: string,
  tag: string,
  expected: number,
): Promise<KnownContacts> {
  if (!isUuid(managerId)) throw new Error("invalid manager id");
  const known = new KnownContacts(tag, expected);
  const reader = new BinaryCopyReader(known);
  await throughKeyIndex(tx, async () => {
    const out = (await tx
      .unsafe(
        `copy (select key_norm, row_hash from contacts where manager_id = '${managerId}' and deleted_at is null)
         to stdout with (format binary)`,
      )
      .readable()) as unknown as Readable;
    // Consumed as it arrives, never paused: postgres.js 3.4 pauses the socket when a COPY stream's buffer is
    // full and, if the end of the COPY came in the same network read, never resumes it (the connection hangs;
    // porsager/postgres#1016). A synchronous 'data' handler keeps that buffer empty.
    await new Promise<void>((resolve, reject) => {
      out.on("data", (chunk: Buffer) => {
        try {
          reader.push(chunk);
        } catch (e) {
          out.destroy(e as Error);
        }
      });
      out.once("error", reject);
      // "close" without "end": the stream was cut short, which the check below reports.
      out.once("end", resolve);
      out.once("close", resolve);
    });
  });
  if (!reader.ended) throw new Error("the contacts' COPY ended early");
  return known;
}
