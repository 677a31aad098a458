/**
 * Parsed records → COPY text, on one of two paths (run.ts picks):
 * - stage: every row into the run's stage table, then plan.ts compares it with the manager in SQL;
 * - direct: the first import into a manager without any contact COPYs valid rows straight into `contacts`
 *   (no stage, no second copy of every row). It gives up (DirectPathAbandoned) when the file has a duplicate
 *   key that involves an invalid row — the unique index catches duplicates between valid rows — and the run
 *   then reads the file again on the stage path, which reports duplicates by line.
 * Both validate and encode each row once, count rows, collect row errors and feed a KeyFilter.
 */
import { detach } from "@/lib/sync/detach";
import type { CsvRecord } from "@/lib/sync/parse";
import type { ErrorCollector } from "@/lib/sync/report";
import { KeyFilter } from "@/lib/sync/key-filter";
import { contactLines, copyValue, stageLines, unchangedLine } from "@/lib/sync/encode";
import type { KnownContacts } from "@/lib/sync/known-contacts";
import type { RowHasher } from "@/lib/sync/row-hash";
import type { RowError, RowPlan, StagedRow } from "@/lib/sync/validate";

/** At most this many keys of invalid rows are remembered on the direct path; beyond, it gives up. */
const MAX_INVALID_KEYS = 10_000;
const PIECE_BYTES = 256 * 1024;
/** Room past PIECE_BYTES: a batch that overflows the buffer continues in the next one. */
const PIECE_SLACK = 64 * 1024;
const MAX_CANDIDATES = 100_000;

export class DirectPathAbandoned extends Error {
  constructor(reason: string) {
    super(`direct import abandoned: ${reason}`);
  }
}

/** `deletes`: valid rows whose operation column says "delete" (counted in `valid` too). */
export type RowCounts = { rows: number; valid: number; deletes: number };
/** Keys that may repeat (KeyFilter), for the duplicate check; null when there were more than MAX_CANDIDATES. */
export type DuplicateCandidates = { keys: string[] | null };

type Validate = (record: CsvRecord, errors: RowError[]) => StagedRow;

/**
 * Write the lines of whole batches into buffers of about 256 KiB. Each line goes into the buffer as UTF-8
 * at once: concatenating a piece of hundreds of lines as one string and encoding it afterwards costs
 * several times more (V8 has to walk the whole rope of small strings).
 */
async function* pieces(
  batches: AsyncIterable<CsvRecord[]>,
  lineOf: (record: CsvRecord) => string | null,
): AsyncGenerator<Buffer> {
  let buffer = Buffer.allocUnsafe(PIECE_BYTES + PIECE_SLACK);
  let used = 0;
  for await (const batch of batches) {
    for (let i = 0; i < batch.length; i++) {
      const line = lineOf(batch[i]);
      if (line === null) continue;
      const room = line.length * 3; // UTF-8 bytes per UTF-16 unit, at most
      if (used + room > buffer.length) {
        if (used > 0) yield buffer.subarray(0, used);
        buffer = Buffer.allocUnsafe(Math.max(PIECE_BYTES + PIECE_SLACK, room));
        used = 0;
      }
      used += buffer.write(line, used, "utf8");
    }
    if (used >= PIECE_BYTES) {
      yield buffer.subarray(0, used);
      buffer = Buffer.allocUnsafe(PIECE_BYTES + PIECE_SLACK);
      used = 0;
    }
  }
  if (used > 0) yield buffer.subarray(0, used);
}

function validator(validate: Validate, collector: ErrorCollector, counts: RowCounts, onRow: () => void) {
  const errors: RowError[] = [];
  return (record: CsvRecord): StagedRow => {
    const row = validate(record, errors);
    if (errors.length) {
      collector.add(errors);
      errors.length = 0;
    }
    counts.rows++;
    if (row.valid) counts.valid++;
    if (row.valid && row.del) counts.deletes++;
    onRow();
    return row;
  };
}

/**
 * COPY text for the stage table (STAGE_COLUMNS). `maybe_dup` marks keys that may have appeared before.
 * With `known` (a re-sync: the manager's live contacts), a valid row whose key and row hash match a known
 * contact is left out as unchanged (`counts.unchanged`); every key the file names is marked seen, so the
 * keys left unseen are the contacts missing from the file. A repeated known key is a certain duplicate: its
 * first row is staged then too, if it was left out, for the duplicate check to keep it. Other keys go
 * through the Bloom filter.
 */
export function stageText(
  batches: AsyncIterable<CsvRecord[]>,
  o: {
    plan: RowPlan;
    validate: Validate;
    collector: ErrorCollector;
    onRow: () => void;
    hasher: RowHasher;
    known?: KnownContacts | null;
  },
): { text: AsyncIterable<Buffer>; counts: RowCounts & { unchanged: number }; candidates: DuplicateCandidates } {
  const counts = { rows: 0, valid: 0, deletes: 0, unchanged: 0 };
  const candidates: DuplicateCandidates = { keys: [] };
  const line = stageLines(o.hasher.tag);
  const digest = o.hasher.digest;
  const filter = new KeyFilter();
  const known = o.known ?? null;
  const check = validator(o.validate, o.collector, counts, o.onRow);
  const candidate = (key: string) => {
    if (!candidates.keys) return;
    if (candidates.keys.length < MAX_CANDIDATES) candidates.keys.push(detach(key));
    else candidates.keys = null;
  };
  const text = pieces(batches, (record) => {
    const row = check(record);
    const key = row.keyNorm;
    const hash = digest(row);
    if (key === null) return line(row, false, hash);
    const slot = known ? known.find(key) : -1;
    if (known === null || slot < 0) {
      const maybeDup = filter.add(key);
      if (maybeDup) candidate(key);
      return line(row, maybeDup, hash);
    }
    const first = known.see(slot, row.line);
    if (first === 0) {
      if (row.valid && !row.del && known.sameHash(slot, hash)) {
        counts.unchanged++;
        known.leftOut(slot);
        return null;
      }
      return line(row, false, hash);
    }
    candidate(key);
    // The first row of this key was left out as unchanged: staged now, before this one.
    if (known.takeLeftOut(slot)) return unchangedLine(first, key) + line(row, true, hash);
    return line(row, true, hash);
  });
  return { text, counts, candidates };
}

/** COPY text for `contacts` (CONTACT_COLUMNS): valid rows only, created by `runId` in `managerId`. */
export function directText(
  batches: AsyncIterable<CsvRecord[]>,
  o: {
    plan: RowPlan;
    validate: Validate;
    collector: ErrorCollector;
    onRow: () => void;
    managerId: string;
    runId: string;
    hasher: RowHasher;
  },
): { text: AsyncIterable<Buffer>; counts: RowCounts } {
  const counts: RowCounts = { rows: 0, valid: 0, deletes: 0 };
  const line = contactLines(o.plan, o.managerId, o.runId, o.hasher);
  const filter = new KeyFilter();
  const invalidKeys = new Set<string>();
  const check = validator(o.validate, o.collector, counts, o.onRow);
  const text = pieces(batches, (record) => {
    const row = check(record);
    const key = row.keyNorm;
    // A delete row of a first import has nothing to delete, but its key is taken like an invalid row's: a
    // later row with the same key is a duplicate, which the stage path reports.
    if (!row.valid || row.del) {
      if (key === null) return null;
      // The first occurrence of a key wins even when it is invalid: the later ones are duplicates.
      if (filter.add(key)) throw new DirectPathAbandoned("an invalid row repeats a key");
      if (invalidKeys.size >= MAX_INVALID_KEYS) throw new DirectPathAbandoned("too many invalid rows");
      invalidKeys.add(detach(key));
      return null;
    }
    if (key === null) return null; // not reached: a valid row always has a key (direct path: no generated keys)
    if (invalidKeys.has(key)) throw new DirectPathAbandoned("a valid row repeats the key of an invalid one");
    filter.add(key);
    return line(row);
  });
  return { text, counts };
}

/** COPY text for the `missing` table: the known contacts' keys no row named. */
export async function* missingText(known: KnownContacts): AsyncGenerator<string> {
  let piece = "";
  for (const key of known.unseen()) {
    piece += copyValue(key) + "\n";
    if (piece.length >= PIECE_BYTES) {
      yield piece;
      piece = "";
    }
  }
  if (piece) yield piece;
}
