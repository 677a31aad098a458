import { createHmac, hkdfSync } from "node:crypto";
import type { Field, MappedColumn, MergeRule } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { env } from "@/lib/env";
import { type FieldRules, rulesOf } from "@/lib/sync/merge-rules";
import type { CsvRecord } from "@/lib/sync/parse";
import { checkValue, clip } from "@/lib/sync/values";
import { keyNorm as keyNormOf } from "@/lib/vocabulary";

/** A column of the file feeding a field, with the field's merge and empty-cell rules. */
export type ColumnTarget = {
  index: number;
  column: string;
  field: Pick<Field, "id" | "label" | "type" | "role">;
  rules: FieldRules;
};

/** How the validator reads a record: resolved against the file's columns. */
export type RowPlan = {
  columns: string[];
  /** Index of the key column; null with generated keys. */
  key: { index: number; column: string; type: Field["type"] } | null;
  targets: ColumnTarget[];
  /** The column feeding the Password field, if mapped (an empty cell always keeps the password). */
  password: { index: number; column: string; label: string; merge: MergeRule } | null;
  /** The operation column (delta files), if one is chosen: says whether a row deletes its key's contact. */
  op: { index: number; column: string } | null;
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
  /** The operation column says "delete": the key's contact is soft-deleted (its other cells are not read). */
  del: boolean;
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
  mapping: {
    keyColumn: string | null;
    autoKey: boolean;
    columns: MappedColumn[];
    opColumn?: string | null;
  },
  fields: Pick<Field, "id" | "label" | "type" | "role">[],
): RowPlan {
  const find = (name: string): number => {
    const exact = columns.indexOf(name);
    if (exact >= 0) return exact;
    const lower = name.trim().toLowerCase();
    return columns.findIndex((c) => c.toLowerCase() === lower);
  };
  const missing = (name: string, what: string) =>
    new AppError(
      "column_missing",
      `The file has no column "${name}" (${what}). Its columns are: ${columns.map((c) => `"${clip(c, 40)}"`).join(", ")}.`,
    );

  const keyField = fields.find((f) => f.role === "key");
  let key: RowPlan["key"] = null;
  if (!mapping.autoKey) {
    if (!mapping.keyColumn)
      throw new AppError("key_missing", "Choose the column that holds the unique key, or generate keys automatically.");
    const index = find(mapping.keyColumn);
    if (index < 0) throw missing(mapping.keyColumn, "the unique key");
    key = { index, column: columns[index], type: keyField?.type ?? "text" };
  }
  let op: RowPlan["op"] = null;
  if (mapping.opColumn) {
    if (mapping.autoKey)
      throw new AppError(
        "mapping_invalid",
        "An operation column needs a key column: with generated keys no row can name a contact to delete.",
      );
    const index = find(mapping.opColumn);
    if (index < 0) throw missing(mapping.opColumn, "the operation column");
    if (key && index === key.index)
      throw new AppError("mapping_invalid", "The operation column cannot also be the unique key column.");
    op = { index, column: columns[index] };
  }
  const byId = new Map(fields.map((f) => [f.id, f]));
  const targets: ColumnTarget[] = [];
  let password: RowPlan["password"] = null;
  const used = new Set<string>();
  for (const m of mapping.columns) {
    const field = byId.get(m.fieldId);
    if (!field)
      throw new AppError(
        "field_missing",
        `The mapping of column "${m.column}" points to a field that no longer exists. Edit the mapping.`,
      );
    if (field.role === "key") continue; // the key field is fed by the key column only
    if (used.has(field.id))
      throw new AppError("mapping_invalid", `Two columns are mapped to the field "${field.label}".`);
    used.add(field.id);
    const index = find(m.column);
    if (index < 0) throw missing(m.column, `mapped to "${field.label}"`);
    if (op && index === op.index)
      throw new AppError(
        "mapping_invalid",
        `The operation column "${op.column}" says what to do with a row; it cannot also feed the field "${field.label}".`,
      );
    const rules = rulesOf(m);
    if (field.type === "password") password = { index, column: columns[index], label: field.label, merge: rules.merge };
    else targets.push({ index, column: columns[index], field, rules });
  }
  return { columns, key, targets, password, op };
}

const DELETE_OPS = new Set(["delete", "d", "remove"]);
const UPSERT_OPS = new Set(["", "upsert", "u"]);

/** The operation cell of a row: "delete", "upsert", or null when it says neither. */
export function operationOf(raw: string | undefined): "delete" | "upsert" | null {
  const v = (raw ?? "").trim().toLowerCase();
  return DELETE_OPS.has(v) ? "delete" : UPSERT_OPS.has(v) ? "upsert" : null;
}

function macKey(): Buffer {
  const secret = env.AUTH_SECRET;
  if (!secret) throw new AppError("config", "AUTH_SECRET is not set; it is needed to import passwords.");
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

/**
 * Per-row validation: field count, size limits, key present, typed values. Duplicate keys are
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
  const opPlan = plan.op;

  /** A cell's problem (size, NUL), or null when it can be used. */
  const cellProblem = (raw: string): string | null => {
    if (raw.length * 3 > maxBytes && Buffer.byteLength(raw) > maxBytes) return tooLongMessage;
    if (raw.includes("\0")) return "The value contains a NUL character (binary data?).";
    return null;
  };

  return function validate(record: CsvRecord, errors: RowError[]): StagedRow {
    const { line, fields } = record;
    const before = errors.length;
    if (fields.length !== width)
      errors.push({
        line,
        column: null,
        message: `This line has ${fields.length} field${fields.length === 1 ? "" : "s"}; the header has ${width}.`,
      });

    let key: string | null = null;
    let keyNorm: string | null = null;
    if (keyPlan) {
      const raw = fields[keyPlan.index] ?? "";
      const problem = cellProblem(raw);
      const k = problem ? "" : raw.trim();
      if (problem) errors.push({ line, column: keyPlan.column, message: problem });
      else if (!k) {
        if (fields.length === width || keyPlan.index < fields.length)
          errors.push({ line, column: keyPlan.column, message: "The unique key is empty." });
      } else {
        key = k;
        keyNorm = keyNormOf(k);
        if (keyPlan.type !== "text") {
          const checked = checkValue(keyPlan.type, k);
          if (!checked.ok) errors.push({ line, column: keyPlan.column, message: checked.message });
        }
      }
    }

    let del = false;
    if (opPlan) {
      const raw = fields[opPlan.index];
      const op = operationOf(raw);
      if (op === "delete") del = true;
      else if (op === null)
        errors.push({
          line,
          column: opPlan.column,
          message: `The operation "${clip(raw ?? "", 40)}" is not one of delete, d, remove (delete the contact) or upsert, u, empty (import the row).`,
        });
    }

    const values: (string | null)[] = new Array(targets.length);
    // A delete row needs only its key: the other cells are not read (an old e-mail address cannot stop it).
    for (let i = 0; i < targets.length; i++) {
      if (del) {
        values[i] = null;
        continue;
      }
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
    if (pwPlan && mac && !del) {
      // Passwords are not trimmed: spaces may be part of them. An empty cell keeps the existing password.
      const raw = fields[pwPlan.index] ?? "";
      if (cellProblem(raw))
        errors.push({ line, column: pwPlan.column, message: "The password is not acceptable (too long or binary)." });
      else if (raw !== "") {
        password = raw;
        passwordMacValue = passwordMac(mac, keyNorm, raw);
      }
    }
    return {
      line,
      key,
      keyNorm,
      values,
      password,
      passwordMac: passwordMacValue,
      valid: errors.length === before,
      del,
    };
  };
}
