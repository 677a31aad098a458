import { z } from "zod";
import { fieldType, label, managerName } from "@/app/managers/schemas";
import { pageQuerySchema } from "@/lib/api/paging";

/**
 * JSON bodies of the managers API, built from the same name, label and field-type rules as the pages' forms
 * (app/managers/schemas.ts), so a name the page refuses is refused here with the same message.
 */
export const fieldInputSchema = z.object({ label, type: fieldType.default("text") });
export const managerCreateSchema = z.object({
  name: managerName,
  keyField: z.object({ label, type: fieldType.default("text") }).optional(),
  fields: z.array(fieldInputSchema).max(200).optional(),
});
export const managerPatchSchema = z.object({ name: managerName });

export type ManagerJson = {
  id: string;
  name: string;
  contactCount: number;
  fields: { id: string; label: string; type: string; role: string | null }[];
};

export function managerJson(m: {
  id: string;
  name: string;
  contactCount: number;
  fields: { id: string; label: string; type: string; role: string | null }[];
}): ManagerJson {
  return {
    id: m.id,
    name: m.name,
    contactCount: m.contactCount,
    fields: m.fields.map((f) => ({ id: f.id, label: f.label, type: f.type, role: f.role })),
  };
}

export const contactsQuerySchema = pageQuerySchema.extend({
  /** Keys starting with this text (case-insensitive). */
  key: z.string().max(1000).optional(),
});
