import { z } from "zod";
import { fieldTypes } from "@/db/schema";

/** Form schemas of the Contact Manager pages (shared by the actions and their tests). */
const id = z.uuid("Unknown Contact Manager.");
/** Names and labels are one line of visible text: a control character (NUL, line break, tab…) is refused. */
const CONTROL = /\p{Cc}/u;
const NO_CONTROL = "Remove the control characters (such as line breaks or tabs).";
export const label = z
  .string()
  .trim()
  .min(1, "Enter a label.")
  .max(100, "Use at most 100 characters.")
  .refine((v) => !CONTROL.test(v), NO_CONTROL);
export const managerName = z
  .string()
  .trim()
  .min(1, "Enter a name.")
  .max(200, "Use at most 200 characters.")
  .refine((v) => !CONTROL.test(v), NO_CONTROL);
export const fieldType = z.enum(fieldTypes, { error: "Choose a field type." });
const many = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

export const createManagerSchema = z
  .object({
    name: managerName,
    keyLabel: z
      .string()
      .trim()
      .max(100, "Use at most 100 characters.")
      .refine((v) => !CONTROL.test(v), NO_CONTROL)
      .optional()
      .transform((v) => v || "Unique Key"),
    keyType: fieldType.default("text"),
    fieldLabel: many,
    fieldType: many,
  })
  .transform((v, ctx) => {
    const custom: { label: string; type: (typeof fieldTypes)[number] }[] = [];
    for (const [i, raw] of v.fieldLabel.entries()) {
      const l = raw.trim();
      if (!l) continue;
      if (CONTROL.test(l)) {
        ctx.addIssue({ code: "custom", path: ["fieldLabel"], message: NO_CONTROL });
        continue;
      }
      const t = fieldType.safeParse(v.fieldType[i] ?? "text");
      if (!t.success) ctx.addIssue({ code: "custom", path: ["fieldType"], message: `Choose a type for “${l}”.` });
      else custom.push({ label: l.slice(0, 100), type: t.data });
    }
    return { name: v.name, keyLabel: v.keyLabel, keyType: v.keyType, fields: custom };
  });

export const renameManagerSchema = z.object({ id, name: managerName });
export const deleteManagerSchema = z.object({ id, confirmName: z.string().trim().min(1, "Type the name to confirm.") });
export const addFieldSchema = z.object({ managerId: id, label, type: fieldType });
export const updateKeyFieldSchema = z.object({ managerId: id, label, type: fieldType });
