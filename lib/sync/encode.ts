/**
 * Staged rows as COPY text lines (text format), for the stage table and, on the direct path, for
 * `contacts`. Rows are validated and serialised here, never by the driver: with postgres.js a malformed row
 * makes the COPY stream never settle (porsager/postgres#1173).
 *
 * The mapped values travel as a text[] in mapping order (`{"Ann","Lee",NULL}`, NULL for an empty cell):
 * short, and turned into the stored `data` object in SQL only for the rows that change (plan.ts). The
 * direct path writes `data` itself: the object of field id → value, empty cells left out.
 *
 * The row hash identifies what an import writes for a contact: the mapped field ids (a tag), the values and
 * the password MAC. `contacts.row_hash` keeps the hash of the last import that wrote the contact, so a
 * re-import compares one short string per row and looks at the data only when it differs. It is computed
 * here in Node for every path (row-hash.ts), and travels with the row into the stage or into `contacts`.
 */
import type { RowHasher } from "@/lib/sync/row-hash";
import { searchText } from "@/lib/contacts/search-text";
import type { RowPlan, StagedRow } from "@/lib/sync/validate";

const COPY_ESCAPES = /[\\\n\r\t]/;
const COPY_ESCAPES_G = /[\\\n\r\t]/g;
const ESC: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** One value in COPY text format. Values never hold NUL (the validator refuses it). */
export function copyValue(v: string | null): string {
  if (v === null) return "\\N";
  return COPY_ESCAPES.test(v) ? v.replace(COPY_ESCAPES_G, (c) => ESC[c]) : v;
}

// A JSON string needs escaping only for these; lone surrogates go through JSON.stringify.
const JSON_UNSAFE = /["\\\u0000-\u001f\ud800-\udfff]/;
const BACKSLASH_G = /\\/g;

/**
 * A value as a JSON string literal in COPY text form. JSON output has no raw tab or line break, so only
 * backslashes need doubling — and only a value that needed JSON escaping can hold one.
 */
function copyJsonString(v: string): string {
  return JSON_UNSAFE.test(v) ? JSON.stringify(v).replace(BACKSLASH_G, "\\\\") : '"' + v + '"';
}

// An array element needs escaping (its quoting, then COPY's) only for these.
const ARRAY_UNSAFE = /["\\\n\r\t]/;
const ARRAY_QUOTING_G = /["\\]/g;

/**
 * The values as a Postgres text[] literal in COPY text form (`{"Ann","Lee",NULL}`, NULL for an empty cell):
 * COPY parses it as the rows stream in, and the plan builds `data` from it in one call (jsonb_object).
 */
function valuesArray(values: (string | null)[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ",";
    if (v === null) out += "NULL";
    else out += '"' + (ARRAY_UNSAFE.test(v) ? copyValue(v.replace(ARRAY_QUOTING_G, "\\$&")) : v) + '"';
  }
  return out + "}";
}

/** The columns of the stage table filled by COPY, in the order of the lines of `stageLines`. */
export const STAGE_COLUMNS = "line, key, key_norm, vals, pw, pw_mac, valid, maybe_dup, del, unchanged, row_hash";

/**
 * Lines of the stage table for the mapping tagged `tag`. `maybeDup`: the row's key may have appeared before
 * (KeyFilter). `digest`: the row's (RowHasher), from the caller, which has computed it already.
 */
export function stageLines(tag: string): (row: StagedRow, maybeDup: boolean, digest: string) => string {
  return (r, maybeDup, digest) =>
    r.line +
    "\t" +
    copyValue(r.key) +
    "\t" +
    copyValue(r.keyNorm) +
    "\t" +
    valuesArray(r.values) +
    "\t" +
    copyValue(r.password) +
    "\t" +
    copyValue(r.passwordMac) +
    (r.valid ? "\tt" : "\tf") +
    (maybeDup ? "\tt" : "\tf") +
    (r.del ? "\tt\tf\t" : "\tf\tf\t") +
    tag +
    digest +
    "\n";
}

/**
 * The line of a row left out of the stage as unchanged (its key and hash matched a known contact), staged
 * after all when a later row repeats its key: the duplicate check then keeps it as the first occurrence.
 */
export function unchangedLine(line: number, keyNorm: string): string {
  const key = copyValue(keyNorm);
  return `${line}\t${key}\t${key}\t{}\t\\N\t\\N\tt\tt\tf\tt\t\\N\n`;
}

/** The columns of `contacts` filled by COPY on the direct path, in the order of the lines of `contactLines`. */
export const CONTACT_COLUMNS = "key, key_norm, data, row_hash, search, manager_id, created_by_run";

/** Lines of `contacts` for valid rows (no password: the direct path does not hash). */
export function contactLines(
  plan: RowPlan,
  managerId: string,
  runId: string,
  hasher: RowHasher,
): (row: StagedRow) => string {
  const tag = hasher.tag;
  const prefixes = plan.targets.map((t) => copyJsonString(t.field.id) + ":");
  const at = (role: string) => plan.targets.findIndex((t) => t.field.role === role);
  const [email, first, last] = [at("email"), at("first_name"), at("last_name")];
  const value = (values: (string | null)[], i: number) => (i < 0 ? null : values[i]);
  const tail = `\t${managerId}\t${runId}\n`;
  return (r) => {
    const values = r.values;
    let data = "{";
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== null) data += (data.length > 1 ? "," : "") + prefixes[i] + copyJsonString(v);
    }
    data += "}";
    return (
      copyValue(r.key) +
      "\t" +
      copyValue(r.keyNorm) +
      "\t" +
      data +
      "\t" +
      tag +
      hasher.digest(r) +
      "\t" +
      copyValue(searchText(value(values, email), value(values, first), value(values, last))) +
      tail
    );
  };
}
