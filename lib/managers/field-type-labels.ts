/** What each field type is called on every page (client-safe: no database imports). */
export const fieldTypeLabels: Record<string, string> = {
  text: "Text",
  email: "Email",
  language: "Language (ISO tag)",
  password: "Password",
  date: "Date",
  number: "Number",
};

export function fieldTypeLabel(type: string): string {
  return fieldTypeLabels[type] ?? type;
}
