/**
 * Merge rules and empty-cell rules of mapped fields (pure). They decide what an import writes into a contact
 * that already exists; a created or revived contact takes every non-empty value of its row.
 *
 * - overwrite (default): a changed value replaces the stored one;
 * - fill: written only while the stored value is empty;
 * - create-only: never written into an existing contact;
 * - empty cell: clear (default) empties an overwrite field, keep leaves it. A fill or create-only field is
 *   never emptied by an import (clearing it would write into a stored value it may not change).
 * - the password: an empty cell always keeps it; its merge rule applies (fill: only a contact without a
 *   password gets one; create-only: only new contacts).
 *
 * plan.ts and apply.ts turn `fieldGroups` into one SQL expression (both engine paths plan through it: the
 * direct path only creates); `mergeRow` is the same rule in TypeScript, for the wizard's preview and tests.
 */
import type { MappedColumn, RuleByLabel } from "@/db/schema";
import { type EmptyRule, labelKey, type MergeRule } from "@/lib/vocabulary";

export type FieldRules = { merge: MergeRule; empty: EmptyRule };
export const DEFAULT_RULES: FieldRules = { merge: "overwrite", empty: "clear" };

export function rulesOf(column: Pick<MappedColumn, "merge" | "empty">): FieldRules {
  return { merge: column.merge ?? "overwrite", empty: column.empty ?? "clear" };
}

export function isDefault(rules: FieldRules): boolean {
  return rules.merge === "overwrite" && rules.empty === "clear";
}

/** A mapped column as stored: the defaults are left out, so a mapping without rules stays as it was. */
export function storedColumn(column: string, fieldId: string, rules: Partial<FieldRules>): MappedColumn {
  const out: MappedColumn = { column, fieldId };
  if (rules.merge && rules.merge !== "overwrite") out.merge = rules.merge;
  if (rules.empty && rules.empty !== "clear") out.empty = rules.empty;
  return out;
}

/**
 * What a field's part of the row hash says about its rules: nothing for the defaults (hashes of a mapping
 * without rules stay as they were), else the rules. A rule change is then a mapping change: every row is
 * compared in full once, and re-hashed.
 */
export function ruleSuffix(rules: FieldRules): string {
  return isDefault(rules) ? "" : `:${rules.merge}:${rules.empty}`;
}

/** The mapped field ids by what an update does with them. */
export type FieldGroups = {
  /** Written when they change; an empty cell clears them. */
  overwriteClear: string[];
  /** Written when the cell has a value that differs; an empty cell keeps them. */
  overwriteKeep: string[];
  /** Written only into a contact whose value is empty. */
  fill: string[];
  /** Never written into an existing contact. */
  createOnly: string[];
};

export function fieldGroups(targets: { fieldId: string; rules: FieldRules }[]): FieldGroups {
  const g: FieldGroups = { overwriteClear: [], overwriteKeep: [], fill: [], createOnly: [] };
  for (const t of targets) {
    if (t.rules.merge === "fill") g.fill.push(t.fieldId);
    else if (t.rules.merge === "create-only") g.createOnly.push(t.fieldId);
    else if (t.rules.empty === "keep") g.overwriteKeep.push(t.fieldId);
    else g.overwriteClear.push(t.fieldId);
  }
  return g;
}

/** Whether every mapped field has the default rules (the plan then uses today's shorter SQL). */
export function allDefault(g: FieldGroups): boolean {
  return g.overwriteKeep.length === 0 && g.fill.length === 0 && g.createOnly.length === 0;
}

/**
 * The data an existing contact has after an import of one row. `stored`: the contact's data (field id →
 * value, empty fields absent); `values`: the row's mapped values (null for an empty cell), by field id.
 * Fields the file does not feed are kept.
 */
export function mergeRow(
  stored: Record<string, string>,
  values: Record<string, string | null>,
  rules: Record<string, FieldRules>,
): Record<string, string> {
  const out: Record<string, string> = { ...stored };
  for (const [fieldId, value] of Object.entries(values)) {
    const r = rules[fieldId] ?? DEFAULT_RULES;
    if (!writes(r, stored[fieldId], value)) continue;
    if (value === null) delete out[fieldId];
    else out[fieldId] = value;
  }
  return out;
}

/**
 * Whether a cell may be written into an existing contact whose stored value is `stored` (undefined: empty).
 * A write that changes nothing counts as written; the preview marks the cells this says false for.
 */
export function writes(r: FieldRules, stored: string | undefined, value: string | null): boolean {
  if (r.merge === "create-only") return false;
  if (r.merge === "fill") return stored === undefined && value !== null;
  if (value === null) return r.empty === "clear";
  return true;
}

/** Whether an imported password may replace the contact's (an empty cell never does). */
export function writesPassword(merge: MergeRule, hasPassword: boolean): boolean {
  if (merge === "create-only") return false;
  if (merge === "fill") return !hasPassword;
  return true;
}

/** The plain words the mapping page shows for each rule, with a one-line example. */
export const mergeRuleTexts: Record<MergeRule, { label: string; example: string }> = {
  overwrite: {
    label: "Overwrite: the file's value replaces the stored one",
    example: "Stored “Smith”, file “Smyth” → “Smyth”.",
  },
  fill: {
    label: "Fill: written only while the contact's value is empty",
    example: "Stored empty, file “Paris” → “Paris”; stored “Lyon”, file “Paris” → stays “Lyon”.",
  },
  "create-only": {
    label: "Create only: written for new contacts, never changed afterwards",
    example: "Consent “yes” when created; a later file with “no” leaves “yes”.",
  },
};

export const emptyRuleTexts: Record<EmptyRule, { label: string; example: string }> = {
  clear: {
    label: "An empty cell clears the field",
    example: "Stored “Smith”, empty cell → field emptied.",
  },
  keep: {
    label: "An empty cell keeps the stored value",
    example: "Stored “Smith”, empty cell → stays “Smith”.",
  },
};

export type { RuleByLabel };

/**
 * Mapped columns with the rules given by field label: rules for every field first, then those naming a
 * field. Returns the columns and the labels no column is mapped to. The Password field ignores an empty-cell
 * rule for every field (an empty cell always keeps it).
 */
export function withRulesByLabel(
  columns: MappedColumn[],
  rules: RuleByLabel[],
  fieldOf: (fieldId: string) => { label: string; type: string } | undefined,
): { columns: MappedColumn[]; unmatched: string[] } {
  const norm = labelKey;
  const matched = new Set<string>();
  const ordered = [...rules.filter((r) => r.field === null), ...rules.filter((r) => r.field !== null)];
  const out = columns.map((c) => {
    const field = fieldOf(c.fieldId);
    const r: Partial<FieldRules> = rulesOf(c);
    for (const rule of ordered) {
      const forAll = rule.field === null;
      if (!forAll && (!field || norm(field.label) !== norm(rule.field!))) continue;
      if (!forAll) matched.add(norm(rule.field!));
      if (rule.merge) r.merge = rule.merge;
      if (rule.empty && !(forAll && field?.type === "password")) r.empty = rule.empty;
    }
    return storedColumn(c.column, c.fieldId, r);
  });
  const unmatched = rules
    .filter((r) => r.field !== null && !matched.has(norm(r.field)))
    .map((r) => r.field!)
    .filter((l, i, all) => all.indexOf(l) === i);
  return { columns: out, unmatched };
}
