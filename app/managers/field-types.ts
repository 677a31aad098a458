import { fieldTypes, type FieldType } from "@/db/schema";

export const typeLabels: Record<FieldType, string> = {
  text: "Text",
  email: "Email",
  language: "Language (ISO tag)",
  password: "Password",
  date: "Date",
  number: "Number",
};

export const typeOptions = fieldTypes.map((t) => ({ value: t, label: typeLabels[t] }));
