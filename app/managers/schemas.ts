import { z } from "zod";
import { fieldTypes } from "@/db/schema";

/** Form schemas of the Contact Manager pages (shared by the actions and their tests). */
const id = z.string().uuid("Unknown Contact Manager.");
const label = z.string().trim().min(1, "Enter a label.").max(100, "Use at most 100 characters.");
const fieldType = z.enum(fieldTypes, { message: "Choose a field type." });
const many = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

export const createManagerSchema = z
  .object({
    name: z.string().trim().min(1, "Enter a name.").max(200, "Use at most 200 characters."),
    keyLabel: z.string().trim().max(100, "Use at most 100 characters.").optional().transform((v) => v || "Unique Key"),
    keyType: fieldType.default("text"),
    fieldLabel: many,
    fieldType: many,
  })
  .transform((v, ctx) => {
    const custom: { label: string; type: (typeof fieldTypes)[number] }[] = [];
    v.fieldLabel.forEach((raw, i) => {
      const l = raw.trim();
      if (!l) return;
      const t = fieldType.safeParse(v.fieldType[i] ?? "text");
      if (!t.success) ctx.addIssue({ code: "custom", path: ["fieldType"], message: `Choose a type for “${l}”.` });
      else custom.push({ label: l.slice(0, 100), type: t.data });
    });
    return { name: v.name, keyLabel: v.keyLabel, keyType: v.keyType, fields: custom };
  });

export const renameManagerSchema = z.object({ id, name: z.string().trim().min(1, "Enter a name.").max(200, "Use at most 200 characters.") });
export const deleteManagerSchema = z.object({ id, confirmName: z.string().trim().min(1, "Type the name to confirm.") });
export const addFieldSchema = z.object({ managerId: id, label, type: fieldType });
export const updateKeyFieldSchema = z.object({ managerId: id, label, type: fieldType });
