import { getDb } from "@/db/client";
import { fieldTypes, type FieldType } from "@/db/schema";
import { audit } from "@/lib/audit";
import { createManager } from "@/lib/managers/queries";
import { output, parse, required, UsageError, type CommandContext } from "@/lib/cli/io";

/** `manager create --name N [--field "Label:type"]...` */
export async function managerCreate({ argv, json }: CommandContext): Promise<void> {
  const { values } = parse(argv, { name: { type: "string" }, field: { type: "string", multiple: true } });
  const name = required(values.name, "--name");
  const extra = (values.field ?? []).map((spec) => {
    const i = spec.lastIndexOf(":");
    const label = (i < 0 ? spec : spec.slice(0, i)).trim();
    const type = (
      i < 0
        ? "text"
        : spec
            .slice(i + 1)
            .trim()
            .toLowerCase()
    ) as FieldType;
    if (!label) throw new UsageError(`--field "${spec}": the label is empty`);
    if (!fieldTypes.includes(type))
      throw new UsageError(`--field "${spec}": the type must be one of ${fieldTypes.join(", ")}`);
    return { label, type };
  });
  const db = getDb();
  const m = await createManager(db, { name, fields: extra });
  await audit(db, {
    user: null,
    action: "manager.create",
    targetType: "manager",
    targetId: m.id,
    details: { name: m.name, fields: m.fields.map((f) => f.label), via: "cli" },
  });
  output(
    json,
    { id: m.id, name: m.name, fields: m.fields.map((f) => ({ id: f.id, label: f.label, type: f.type, role: f.role })) },
    `Created Contact Manager "${m.name}" (${m.id}) with ${m.fields.length} fields.`,
  );
}
