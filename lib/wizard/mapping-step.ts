import type { Db } from "@/db/client";
import { and, eq, ne, sql } from "drizzle-orm";
import { type Field, type Guards, type Mapping, type Sync, syncs } from "@/db/schema";
import { DEFAULT_RULES, rulesOf, storedColumn } from "@/lib/sync/merge-rules";
import type { EmptyRule, MergeRule } from "@/lib/vocabulary";
import { nameKey } from "@/lib/vocabulary";
import { type DefinitionPatch, saveDefinition } from "@/lib/wizard/draft-store";
import { AUTO_KEY, type FieldErrors, type MappingStepValues, OP_COLUMN } from "@/lib/wizard/schemas";
import { StepError } from "@/lib/wizard/step-error";

/**
 * The mapping form's starting values: the stored mapping for columns still in the file, else fields whose
 * label matches the column name (`nameKey`). The key field is chosen separately (not in the per-column selects).
 */
export function mappingDefaults(
  columns: string[],
  fields: Field[],
  mapping: Mapping | null,
  /** The key column of the manager's most recent other import, preselected when no column matches the key field. */
  lastKeyColumn: string | null = null,
): { columns: { column: string; fieldId: string; merge: MergeRule; empty: EmptyRule }[]; key: string } {
  const keyField = fields.find((f) => f.role === "key");
  const mappable = fields.filter((f) => f.role !== "key");
  const byLabel = new Map(mappable.map((f) => [nameKey(f.label), f.id]));
  const stored = new Map((mapping?.columns ?? []).map((c) => [c.column, c.fieldId]));
  const storedRules = new Map((mapping?.columns ?? []).map((c) => [c.column, rulesOf(c)]));
  const used = new Set<string>();
  const rows = columns.map((column) => {
    if (mapping?.opColumn === column) return { column, fieldId: OP_COLUMN, ...DEFAULT_RULES };
    let fieldId = mapping ? (stored.get(column) ?? "") : (byLabel.get(nameKey(column)) ?? "");
    if (fieldId && (used.has(fieldId) || !mappable.some((f) => f.id === fieldId))) fieldId = "";
    if (fieldId) used.add(fieldId);
    return { column, fieldId, ...(storedRules.get(column) ?? DEFAULT_RULES) };
  });
  let key = "";
  if (mapping?.autoKey) key = AUTO_KEY;
  else if (mapping?.keyColumn && columns.includes(mapping.keyColumn)) key = mapping.keyColumn;
  else {
    const byKeyField = keyField ? columns.find((c) => nameKey(c) === nameKey(keyField.label)) : undefined;
    const byLastImport = lastKeyColumn ? columns.find((c) => nameKey(c) === nameKey(lastKeyColumn)) : undefined;
    key = byKeyField ?? byLastImport ?? "";
  }
  return { columns: rows, key };
}

/** The key column of the manager's most recently changed other import (active, keyed on a column), or null. */
export async function lastImportKeyColumn(db: Db, managerId: string, exceptSyncId: string): Promise<string | null> {
  const [row] = await db
    .select({ keyColumn: sql<string | null>`${syncs.mapping}->>'keyColumn'` })
    .from(syncs)
    .where(
      and(
        eq(syncs.managerId, managerId),
        ne(syncs.id, exceptSyncId),
        eq(syncs.state, "active"),
        sql`${syncs.mapping}->>'keyColumn' is not null`,
      ),
    )
    .orderBy(sql`${syncs.updatedAt} desc`)
    .limit(1);
  return row?.keyColumn ?? null;
}

/**
 * Step 3: store the mapping. Generated keys switch "update existing" and "delete missing" off: a generated
 * key never matches an existing contact, so there is nothing to update and everything would look missing.
 */
export async function saveMappingStep(
  db: Db,
  sync: Sync,
  values: Pick<MappingStepValues, "columns" | "key">,
  fields: Field[],
  fileColumns: string[],
  safety?: { guards: Guards; thresholdPct?: number },
): Promise<Sync> {
  const errors: FieldErrors = {};
  const known = new Set(fields.filter((f) => f.role !== "key").map((f) => f.id));
  values.columns.forEach((c, i) => {
    if (!fileColumns.includes(c.column))
      errors[`columns.${i}.column`] = `The file has no column “${c.column}” any more. Go back to the preview.`;
    if (c.fieldId && c.fieldId !== OP_COLUMN && !known.has(c.fieldId))
      errors[`columns.${i}.fieldId`] = "This field no longer exists. Choose another one.";
  });
  if (values.key && values.key !== AUTO_KEY && !fileColumns.includes(values.key))
    errors.key = "The unique identifier must be one of the file's columns.";
  if (Object.keys(errors).length) throw new StepError(errors);
  const autoKey = values.key === AUTO_KEY;
  const opColumns = values.columns.filter((c) => c.fieldId === OP_COLUMN);
  if (autoKey && opColumns.length)
    throw new StepError({
      key: "Deleting by an operation column needs a key column: generated keys never match a contact.",
    });
  const passwordIds = new Set(fields.filter((f) => f.type === "password").map((f) => f.id));
  const mapping: Mapping = {
    // An empty Password cell always keeps the password: its empty-cell rule is not stored.
    columns: values.columns
      .filter((c) => c.fieldId && c.fieldId !== OP_COLUMN)
      .map((c) =>
        storedColumn(c.column, c.fieldId, {
          merge: c.merge,
          empty: passwordIds.has(c.fieldId) ? undefined : c.empty,
        }),
      ),
    keyColumn: autoKey ? null : values.key || null,
    autoKey,
    ...(opColumns.length ? { opColumn: opColumns[0].column } : {}),
  };
  const patch: DefinitionPatch = { mapping };
  if (safety) {
    patch.guards = safety.guards;
    if (safety.thresholdPct !== undefined) patch.safetyThresholdPct = safety.thresholdPct;
  }
  if (autoKey) Object.assign(patch, { updateExisting: false, deleteMissing: false });
  return saveDefinition(db, sync, patch, { wizardStep: Math.max(sync.wizardStep, 3) });
}
