/**
 * Preview cells a merge or empty-cell rule will not write: for each preview row whose key matches a live
 * contact, the mapped cells whose rule keeps the stored value although the file's differs (create-only on an
 * existing contact, fill over a stored value, an empty cell with "keep"; the Password's merge rule).
 */
import { getSql } from "@/db/client";
import type { Field, Mapping } from "@/db/schema";
import { isDefault, rulesOf, writes, writesPassword } from "@/lib/sync/merge-rules";
import { keyNorm } from "@/lib/vocabulary";
import type { PreviewRow } from "@/lib/wizard/preview";

/** Row line → column index → why the cell is not written. */
export type UnwrittenCells = Record<number, Record<number, string>>;

export async function unwrittenCells(o: {
  managerId: string;
  mapping: Mapping | null;
  columns: string[];
  rows: PreviewRow[];
  fields: Field[];
}): Promise<UnwrittenCells> {
  const { mapping, columns, rows } = o;
  if (!mapping || mapping.autoKey || !mapping.keyColumn) return {};
  const ruled = mapping.columns.filter((c) => !isDefault(rulesOf(c)));
  if (ruled.length === 0) return {};
  const keyIndex = columns.indexOf(mapping.keyColumn);
  if (keyIndex < 0) return {};
  const keys = rows.map((r) => keyNorm((r.cells[keyIndex] ?? "").trim())).filter(Boolean);
  if (keys.length === 0) return {};
  const found = await getSql()<{ key_norm: string; data: Record<string, string>; password_mac: string | null }[]>`
    select key_norm, data, password_mac from contacts
    where manager_id = ${o.managerId} and key_norm = any(${keys}::text[]) and deleted_at is null`;
  const byKey = new Map(found.map((c) => [c.key_norm, c]));
  const fieldById = new Map(o.fields.map((f) => [f.id, f]));
  const out: UnwrittenCells = {};
  for (const row of rows) {
    const contact = byKey.get(keyNorm((row.cells[keyIndex] ?? "").trim()));
    if (!contact) continue;
    for (const c of ruled) {
      const index = columns.indexOf(c.column);
      const field = fieldById.get(c.fieldId);
      if (index < 0 || !field) continue;
      const cell = (row.cells[index] ?? "").trim();
      const value = cell === "" ? null : cell;
      const r = rulesOf(c);
      let reason: string | null = null;
      if (field.type === "password") {
        if (value !== null && !writesPassword(r.merge, contact.password_mac !== null))
          reason = r.merge === "create-only" ? "create only: the contact exists" : "fill: the contact has a password";
      } else {
        const stored = contact.data[c.fieldId];
        if (!writes(r, stored, value) && (value ?? undefined) !== stored)
          reason =
            r.merge === "create-only"
              ? "create only: the contact exists"
              : r.merge === "fill"
                ? "fill: the contact has a value"
                : "empty cell keeps the stored value";
      }
      if (reason) out[row.line] = { ...out[row.line], [index]: reason };
    }
  }
  return out;
}
