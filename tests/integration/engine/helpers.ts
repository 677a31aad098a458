import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { syncs, type Field, type FieldType, type NewSync } from "@/db/schema";
import { createManager, type ManagerWithFields } from "@/lib/managers/queries";
import { uniqueName } from "@/tests/support/db";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-test-"));

/** Write a CSV file under a fresh temp name (its mtime/size make a new fingerprint each time). */
export function writeCsv(content: string | Buffer, name = uniqueName("f") + ".csv"): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** Rewrite a file with new content and a different mtime (same name: the same source). */
export function rewriteCsv(file: string, content: string | Buffer): void {
  fs.writeFileSync(file, content);
  const t = new Date(Date.now() + Math.floor(Math.random() * 1e6));
  fs.utimesSync(file, t, t);
}

export async function makeManager(
  db: Db,
  extra: { label: string; type: FieldType }[] = [],
): Promise<ManagerWithFields> {
  return createManager(db, { name: uniqueName("mgr"), fields: extra });
}

export function fieldId(m: { fields: Field[] }, label: string): string {
  const f = m.fields.find((x) => x.label.toLowerCase() === label.toLowerCase());
  if (!f) throw new Error(`no field ${label}`);
  return f.id;
}

/** An active file sync mapping columns to fields by label. */
export async function makeFileSync(
  db: Db,
  m: ManagerWithFields,
  file: string,
  opts: { key?: string | null; map?: Record<string, string>; autoKey?: boolean } & Partial<NewSync> = {},
) {
  const { key = "Email", map = { Email: "Email", First: "First Name" }, autoKey = false, ...rest } = opts;
  const [s] = await db
    .insert(syncs)
    .values({
      managerId: m.id,
      name: uniqueName("sync"),
      state: "active",
      sourceKind: "file",
      location: file,
      // Fixture files are written just before the run: no settle wait (tests of settling set their own).
      settleSeconds: 0,
      mapping: {
        keyColumn: autoKey ? null : key,
        autoKey,
        columns: Object.entries(map).map(([column, label]) => ({ column, fieldId: fieldId(m, label) })),
      },
      ...rest,
    })
    .returning();
  return s;
}

export async function setSync(db: Db, id: string, values: Partial<NewSync>) {
  await db.update(syncs).set(values).where(eq(syncs.id, id));
}
