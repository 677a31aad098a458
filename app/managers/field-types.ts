import { fieldTypes, type FieldType } from "@/db/schema";
import { fieldTypeLabels } from "@/lib/managers/field-type-labels";

export const typeLabels = fieldTypeLabels as Record<FieldType, string>;

export const typeOptions = fieldTypes.map((t) => ({ value: t, label: typeLabels[t] }));
