/**
 * Staged rows as COPY text lines (text format), for the stage table and, on the direct path, for
 * `contacts`. Rows are serialised here, never by the driver (DESIGN.md: postgres.js and malformed rows).
 *
 * The mapped values travel as a JSON array in mapping order (`["Ann","Lee",null]`, null for an empty cell):
 * short, and turned into the stored `data` object in SQL only for the rows that change (plan.ts). The
 * direct path writes `data` itself: the object of field id → value, empty cells left out.
 *
 * The row hash identifies what an import writes for a contact: the mapped field ids (a tag), the values and
 * the password MAC. `contacts.row_hash` keeps the hash of the last import that wrote the contact, so a
 * re-import compares one short string per row and looks at the data only when it differs. MD5 serves as a
 * fingerprint here, not for security.
 */
import { hash } from "node:crypto";
import type { RowPlan, StagedRow } from "./validate";

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

/** A value inside a JSON string literal, in COPY text form (JSON output has no raw tab/newline: only backslashes need doubling). */
function copyJsonChars(v: string): string {
  return JSON_UNSAFE.test(v) ? JSON.stringify(v).slice(1, -1).replace(BACKSLASH_G, "\\\\") : v;
}

/** The values as a JSON array in COPY text form. */
function valuesJson(values: (string | null)[]): string {
  let out = "[";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ",";
    out += v === null ? "null" : '"' + copyJsonChars(v) + '"';
  }
  return out + "]";
}

function hasher(plan: RowPlan): (values: string, passwordMac: string | null) => string {
  const tag = hash("md5", plan.targets.map((t) => t.field.id).join(","), "base64url").slice(0, 6);
  return (values, mac) => tag + hash("md5", mac === null ? values : values + "\t" + mac, "base64url");
}

/** The columns of the stage table filled by COPY, in the order of the lines of `stageLines`. */
export const STAGE_COLUMNS = "line, key, key_norm, vals, row_hash, pw, pw_mac, valid, maybe_dup";

/** Lines of the stage table. `maybeDup`: the row's key may have appeared before (KeyFilter). */
export function stageLines(plan: RowPlan): (row: StagedRow, maybeDup: boolean) => string {
  const rowHash = hasher(plan);
  return (r, maybeDup) => {
    const vals = valuesJson(r.values);
    return (
      r.line +
      "\t" +
      copyValue(r.key) +
      "\t" +
      copyValue(r.keyNorm) +
      "\t" +
      vals +
      "\t" +
      rowHash(vals, r.passwordMac) +
      "\t" +
      copyValue(r.password) +
      "\t" +
      copyValue(r.passwordMac) +
      (r.valid ? "\tt" : "\tf") +
      (maybeDup ? "\tt\n" : "\tf\n")
    );
  };
}

/** The columns of `contacts` filled by COPY on the direct path, in the order of the lines of `contactLines`. */
export const CONTACT_COLUMNS = "key, key_norm, data, row_hash, manager_id, created_by_run";

/** Lines of `contacts` for valid rows (no password: the direct path does not hash). */
export function contactLines(plan: RowPlan, managerId: string, runId: string): (row: StagedRow) => string {
  const rowHash = hasher(plan);
  const prefixes = plan.targets.map((t) => `"${copyJsonChars(t.field.id)}":"`);
  const tail = `\t${managerId}\t${runId}\n`;
  return (r) => {
    const values = r.values;
    let data = "{";
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== null) data += (data.length > 1 ? "," : "") + prefixes[i] + copyJsonChars(v) + '"';
    }
    return copyValue(r.key) + "\t" + copyValue(r.keyNorm) + "\t" + data + "}\t" + rowHash(valuesJson(values), r.passwordMac) + tail;
  };
}
