import { getSql } from "@/db/client";
import type { ManagerWithFields } from "@/lib/managers/queries";

/** The key field is locked once the manager has contacts; soft-deleted ones count too (they can be restored). */
export async function keyIsLocked(manager: Pick<ManagerWithFields, "id" | "contactCount">): Promise<boolean> {
  if (manager.contactCount > 0) return true;
  const rows = await getSql()`select 1 from contacts where manager_id = ${manager.id} limit 1`;
  return rows.length > 0;
}
