import { createHmac, hkdfSync } from "node:crypto";
import type { Field } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { env } from "@/lib/env";
import type { CsvRecord } from "./parse";
import { checkValue, clip } from "./values";

/** A column of the file feeding a field. */
export type ColumnTarget = { index: number; column: string; field: Pick<Field, "id" | "label" | "type"> };

/** How the validator reads a record: resolved against the file's columns. */
export type RowPlan = {
  columns: string[];
  /** Index of the key column; null with generated keys. */
  key: { index: number; column: string; type: Field["type"] } | null;
  targets: ColumnTarget[];
  /** The column feeding the Password field, if mapped. */
  password: { index: number; column: string } | null;
};

/**
 * A row ready for staging. Invalid rows keep their key so a typo never deletes a contact. `values` follows
 * `RowPlan.targets`: the canonical value of each mapped field, or null for an empty cell (which clears it).
 */
export type StagedRow = {
  line: number;
  key: string | null;
  keyNorm: string | null;
  values: (string | null)[];
  password: string | null;
  passwordMac: string | null;
  valid: boolean;
};

/** field id → value of a staged row (the shape of `contacts.data`; empty cells are left out). */
export function rowData(plan: RowPlan, row: StagedRow): Record<string, string> {
  const data: Record<string, string> = {};
  plan.targets.forEach((t, i) => {
    const v = row.values[i];
    if (v !== null) data[t.field.id] = v;
  });
  return data;
}

export type RowError = { line: number; column: string | null; message: string };

/** Resolve the mapping's column names against the header (exact, then case-insensitive). */
export function resolveRowPlan(
  columns: string[],
  mapping: { keyColumn: string | null; autoKey: boolean; columns: { column: string; fieldId: string }[] },
  fields: Pick<Field, "id" | "label" | "type" | "role">[],
): RowPlan {
  const find = (name: string): number => {
    const exact = columns.indexOf(name);
    if (exact >= 0) return exact;
    const lower = name.trim().toLowerCase();
    return columns.findIndex((c) => c.toLowerCase() === lower);
  };
  const missing = (name: string, what: string) =>
    new AppError("column_missing", `The file has no column "${name}" (${what}). Its columns are: ${columns.map((c) => `"${clip(c, 40)}"`).join(", ")}.`);

  const keyField = fields.find((f) => f.role === "key");
  let key: RowPlan["key"] = null;
  if (!mapping.autoKey) {
    if (!mapping.keyColumn) throw new AppError("key_missing", "Choose the column that holds the unique key, or generate keys automatically.");
    const index = find(mapping.keyColumn);
    if (index < 0) throw missing(mapping.keyColumn, "the unique key");
    key = { index, column: columns[index], type: keyField?.type ?? "text" };
  }
  const byId = new Map(fields.map((f) => [f.id, f]));
  const targets: ColumnTarget[] = [];
  let password: RowPlan["password"] = null;
  const used = new Set<string>();
  for (const m of mapping.columns) {
    const field = byId.get(m.fieldId);
    if (!field) throw new AppError("field_missing", `The mapping of column "${m.column}" points to a field that no longer exists. Edit the mapping.`);
    if (field.role === "key") continue; // the key field is fed by the key column only
    if (used.has(field.id)) throw new AppError("mapping_invalid", `Two columns are mapped to the field "${field.label}".`);
    used.add(field.id);
    const index = find(m.column);
    if (index < 0) throw missing(m.column, `mapped to "${field.label}"`);
    if (field.type === "password") password = { index, column: columns[index] };
    else targets.push({ index, column: columns[index], field });
  }
  return { columns, key, targets, password };
}

function macKey(): Buffer {
  const secret = env.AUTH_SECRET;
  if (!secret) throw new AppError("config", "AUTH_SECRET is not set; it is needed to import passwords.", 500);
  return Buffer.from(hkdfSync("sha256", secret, "contact-sync", "contact-password-mac", 32));
}

/** HMAC of a contact password, bound to the contact's key: detects a re-imported identical password without re-hashing. */
export function passwordMac(key: Buffer, keyNorm: string | null, password: string): string {
  return createHmac("sha256", key)
    .update(keyNorm ?? "")
    .update("\0")
    .update(password.normalize("NFC"))
    .digest("base64url");
}

const ASCII = /^[\x00-\x7f]*$/;

export function normalizeKey(key: string): string {
  return (ASCII.test(key) ? key : key.normalize("NFC")).toLowerCase();
}

/**
 * Per-row validation (SPEC §3-§4): field count, size limits, key present, typed values. Duplicate keys are
 * found later (set-based, no key set held in memory). Every problem of a row is reported; the row is then
 * staged as invalid (still "present" for delete-missing if it has a key). Called once per row of files with
 * millions of rows: no closures or objects beyond the row itself are made per call.
 */
export function createRowValidator(plan: RowPlan, limits: { maxFieldBytes: number }) {
  const width = plan.columns.length;
  const mac = plan.password ? macKey() : null;
  const maxBytes = limits.maxFieldBytes;
  const tooLongMessage = `The value is longer than ${maxBytes.toLocaleString("en")} bytes.`;
  const targets = plan.targets;
  const keyPlan = plan.key;
  const pwPlan = plan.password;

  /** A cell's problem (size, NUL), or null when it can be used. */
  const cellProblem = (raw: string): string | null => {
    if (raw.length * 3 > maxBytes && Buffer.byteLength(raw) > maxBytes) return tooLongMessage;
    if (raw.includes("\0")) return "The value contains a NUL character (binary data?).";
    return null;
  };

  return function validate(record: CsvRecord, errors: RowError[]): StagedRow {
    const { line, fields } = record;
    const before = errors.length;
    if (fields.length !== width) errors.push({ line, column: null, message: `This line has ${fields.length} field${fields.length === 1 ? "" : "s"}; the header has ${width}.` });

    let key: string | null = null;
    let keyNorm: string | null = null;
    if (keyPlan) {
      const raw = fields[keyPlan.index] ?? "";
      const problem = cellProblem(raw);
      const k = problem ? "" : raw.trim();
      if (problem) errors.push({ line, column: keyPlan.column, message: problem });
      else if (!k) {
        if (fields.length === width || keyPlan.index < fields.length) errors.push({ line, column: keyPlan.column, message: "The unique key is empty." });
      } else {
        key = k;
        keyNorm = normalizeKey(k);
        if (keyPlan.type !== "text") {
          const checked = checkValue(keyPlan.type, k);
          if (!checked.ok) errors.push({ line, column: keyPlan.column, message: checked.message });
        }
      }
    }

    const values: (string | null)[] = new Array(targets.length);
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      values[i] = null;
      const raw = fields[t.index];
      if (raw === undefined || raw === "") continue;
      const problem = cellProblem(raw);
      if (problem) {
        errors.push({ line, column: t.column, message: problem });
        continue;
      }
      const v = raw.trim();
      if (!v) continue;
      const checked = checkValue(t.field.type, v);
      if (checked.ok) values[i] = checked.value;
      else errors.push({ line, column: t.column, message: checked.message });
    }

    let password: string | null = null;
    let passwordMacValue: string | null = null;
    if (pwPlan && mac) {
      // Passwords are not trimmed: spaces may be part of them. An empty cell keeps the existing password.
      const raw = fields[pwPlan.index] ?? "";
      if (cellProblem(raw)) errors.push({ line, column: pwPlan.column, message: "The password is not acceptable (too long or binary)." });
      else if (raw !== "") {
        password = raw;
        passwordMacValue = passwordMac(mac, keyNorm, raw);
      }
    }
    return { line, key, keyNorm, values, password, passwordMac: passwordMacValue, valid: errors.length === before };
  };
}
