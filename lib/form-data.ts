/**
 * FormData → plain object in the shape react-hook-form gives the same form: dotted names with numeric
 * parts become arrays (`columns.0.fieldId`), a name sent several times becomes an array (checkbox groups),
 * files and Next's `$ACTION_*` fields are dropped. Every server action reads its form through this (the guard,
 * the wizard), so all forms follow one rule.
 */
export function formDataToObject(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const counts = new Map<string, number>();
  for (const key of form.keys()) counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const [key, count] of counts) {
    if (key.startsWith("$ACTION")) continue;
    const values = form.getAll(key).filter((v): v is string => typeof v === "string");
    if (values.length === 0) continue;
    setPath(out, key.split("."), count > 1 ? values : values[0]);
  }
  return out;
}

function setPath(target: Record<string, unknown> | unknown[], parts: string[], value: unknown): void {
  let node: Record<string, unknown> | unknown[] = target;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const last = i === parts.length - 1;
    const key: string | number = Array.isArray(node) ? Number(part) : part;
    if (Array.isArray(node) && (!Number.isInteger(key) || (key as number) < 0 || (key as number) > 10_000)) return;
    if (key === "__proto__" || key === "constructor" || key === "prototype") return;
    const container = node as Record<string | number, unknown>;
    if (last) {
      container[key] = value;
      return;
    }
    if (container[key] === undefined || typeof container[key] !== "object")
      container[key] = /^\d+$/.test(parts[i + 1]) ? [] : {};
    node = container[key] as Record<string, unknown> | unknown[];
  }
}
