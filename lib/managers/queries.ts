import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { byNamePage, type Page, type PageQuery } from "@/lib/api/paging";
import { builtinFields, contacts, fields, managers, type Field, type FieldType, type Manager } from "@/db/schema";
import { AppError, notFound, violatedUniqueConstraint } from "@/lib/errors";
import { managerLockName } from "@/lib/sync/apply";
import { isUuid, labelKey } from "@/lib/vocabulary";

export type ManagerWithFields = Manager & { fields: Field[] };

/** A unique violation of the managers' name index, told as such; any other error as it is. */
const nameTaken =
  (name: string) =>
  (e: unknown): never => {
    if (violatedUniqueConstraint(e) === "managers_name_idx")
      throw new AppError("duplicate_name", `A Contact Manager named "${name}" already exists. Choose another name.`);
    throw e;
  };

/** Create a manager with the built-in fields, then any custom ones. The key field's label/type may be chosen. */
export async function createManager(
  db: Db,
  input: { name: string; keyLabel?: string; keyType?: FieldType; fields?: { label: string; type: FieldType }[] },
): Promise<ManagerWithFields> {
  const name = input.name.trim();
  // Checked here too, not only by the pages' forms: the CLI creates managers as well.
  if (!name) throw new AppError("invalid_name", "A Contact Manager needs a name.");
  if (name.length > 200) throw new AppError("invalid_name", "A Contact Manager's name has at most 200 characters.");
  if (
    /\p{Cc}/u.test(name) ||
    [input.keyLabel ?? "", ...(input.fields ?? []).map((f) => f.label)].some((l) => /\p{Cc}/u.test(l))
  )
    throw new AppError(
      "invalid_name",
      "Names and field labels cannot hold control characters (such as line breaks or tabs).",
    );
  return db.transaction(async (tx) => {
    const [manager] = await tx.insert(managers).values({ name }).returning().catch(nameTaken(name));
    const rows = builtinFields.map((f, i) => ({
      managerId: manager.id,
      label: f.role === "key" && input.keyLabel?.trim() ? input.keyLabel.trim() : f.label,
      type: f.role === "key" && input.keyType ? input.keyType : f.type,
      role: f.role,
      position: i,
    }));
    for (const [i, f] of (input.fields ?? []).entries()) {
      rows.push({
        managerId: manager.id,
        label: f.label.trim(),
        type: f.type,
        role: null as never,
        position: builtinFields.length + i,
      });
    }
    const labels = new Map<string, (typeof rows)[number]>();
    for (const r of rows) {
      const k = labelKey(r.label);
      if (!r.label) throw new AppError("invalid_field", "Field labels cannot be empty.");
      const earlier = labels.get(k);
      if (earlier?.role === "key" && r.role) {
        throw new AppError(
          "duplicate_field",
          `The unique identifier cannot be called "${earlier.label}": every Contact Manager has a field by that name.`,
        );
      }
      if (earlier?.role) {
        throw new AppError(
          "duplicate_field",
          `Every Contact Manager has a field "${earlier.label}" already; give "${r.label}" another name.`,
        );
      }
      if (earlier) throw new AppError("duplicate_field", `The field "${r.label}" is listed twice.`);
      labels.set(k, r);
    }
    const created = await tx.insert(fields).values(rows).returning();
    return { ...manager, fields: created.sort((a, b) => a.position - b.position) };
  });
}

export async function getManager(db: Db, id: string): Promise<ManagerWithFields | null> {
  if (!isUuid(id)) return null;
  // One prepared statement (one round trip): every manager page starts here.
  const rows = await db
    .select({ manager: managers, field: fields })
    .from(managers)
    .leftJoin(fields, eq(fields.managerId, managers.id))
    .where(eq(managers.id, id))
    .orderBy(asc(fields.position))
    .prepare("manager_with_fields")
    .execute();
  if (rows.length === 0) return null;
  return { ...rows[0].manager, fields: rows.flatMap((r) => (r.field ? [r.field] : [])) };
}

/** The managers, by name, each with its live contact count (managers.contact_count). */
export async function listManagers(db: Db): Promise<Manager[]> {
  return db.select().from(managers).orderBy(asc(managers.name));
}

/** A page of the managers in name order (GET /api/managers), keyset-paged like the API's other lists. */
export async function listManagersPage(db: Db, q: PageQuery): Promise<Page<Manager>> {
  return byNamePage(q, { name: managers.name, id: managers.id }, (where, order, limit) =>
    db
      .select()
      .from(managers)
      .where(where)
      .orderBy(...(order === "asc" ? [asc(managers.name), asc(managers.id)] : [desc(managers.name), desc(managers.id)]))
      .limit(limit),
  );
}

/** Add a custom field (also used by the mapping step's "Add Field"). */
export async function addField(db: Db, managerId: string, input: { label: string; type: FieldType }): Promise<Field> {
  const label = input.label.trim();
  if (!label) throw new AppError("invalid_field", "A field needs a label.");
  const [{ max }] = await db
    .select({ max: sql<number>`coalesce(max(${fields.position}), -1)::int` })
    .from(fields)
    .where(eq(fields.managerId, managerId));
  const [created] = await db
    .insert(fields)
    .values({ managerId, label, type: input.type, position: max + 1 })
    .onConflictDoNothing()
    .returning();
  if (!created) throw new AppError("duplicate_field", `This Contact Manager already has a field "${label}".`);
  return created;
}

export async function renameManager(db: Db, id: string, name: string): Promise<void> {
  const trimmed = name.trim();
  if (!trimmed) throw new AppError("invalid_name", "A Contact Manager needs a name.");
  const res = await db
    .update(managers)
    .set({ name: trimmed, updatedAt: new Date() })
    .where(eq(managers.id, id))
    .returning({ id: managers.id })
    .catch(nameTaken(trimmed));
  if (res.length === 0) throw notFound("manager");
}

/**
 * Delete a manager with its contacts (contacts have no foreign key: see db/schema/contacts.ts). Waits for a
 * run writing into the manager to finish (the manager's lock), so no contact is left behind.
 */
export async function deleteManager(db: Db, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${managerLockName(id)}, 0))`);
    const res = await tx.delete(managers).where(eq(managers.id, id)).returning({ id: managers.id });
    if (res.length === 0) throw notFound("manager");
    await tx.delete(contacts).where(eq(contacts.managerId, id));
  });
}

/** The key field is locked once the manager has contacts; soft-deleted ones count too (they can be restored). */
export async function keyFieldLocked(
  db: Pick<Db, "select">,
  manager: Pick<Manager, "id" | "contactCount">,
): Promise<boolean> {
  if (manager.contactCount > 0) return true;
  const rows = await db.select({ one: sql`1` }).from(contacts).where(eq(contacts.managerId, manager.id)).limit(1);
  return rows.length > 0;
}

/**
 * The key field's label/type may change only while the manager has no contacts. Under the manager's lock, so
 * no import applies meanwhile; an import that checked its keys against the old type finds the change when it
 * takes the lock and fails (lib/sync/apply.ts assertKeyTypeUnchanged).
 */
export async function updateKeyField(
  db: Db,
  managerId: string,
  input: { label: string; type: FieldType },
): Promise<void> {
  const label = input.label.trim();
  if (!label) throw new AppError("invalid_field", "A field needs a label.");
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${managerLockName(managerId)}, 0))`);
    const [manager] = await tx
      .select({ contactCount: managers.contactCount })
      .from(managers)
      .where(eq(managers.id, managerId));
    if (!manager) throw notFound("manager");
    if (await keyFieldLocked(tx, { id: managerId, contactCount: manager.contactCount }))
      throw new AppError("key_locked", "The unique key field is locked once the Contact Manager has contacts.");
    const [clash] = await tx
      .select({ id: fields.id })
      .from(fields)
      .where(
        and(
          eq(fields.managerId, managerId),
          sql`lower(${fields.label}) = lower(${label})`,
          sql`${fields.role} is distinct from 'key'`,
        ),
      );
    if (clash) throw new AppError("duplicate_field", `This Contact Manager already has a field "${label}".`);
    await tx
      .update(fields)
      .set({ label, type: input.type })
      .where(and(eq(fields.managerId, managerId), eq(fields.role, "key")));
  });
}
