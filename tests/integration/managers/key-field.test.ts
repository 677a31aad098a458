import { describe, expect, it } from "vitest";
import { uniqueName, useDb } from "@/tests/support/db";
import { createManager, getManager, keyFieldLocked, updateKeyField } from "@/lib/managers/queries";

const { db, sql } = useDb();

describe("the unique key field", () => {
  it("changes while the manager has no contacts, and is locked by any contact, a deleted one too", async () => {
    const created = await createManager(db, { name: uniqueName("key") });
    expect(await keyFieldLocked(db, created)).toBe(false);
    await updateKeyField(db, created.id, { label: "Member No", type: "number" });
    const m = (await getManager(db, created.id))!;
    expect(m.fields.find((f) => f.role === "key")).toMatchObject({ label: "Member No", type: "number" });

    // A soft-deleted contact (it can be restored by a revert) locks it as well; contact_count stays 0.
    await sql`insert into contacts (manager_id, key, key_norm, data, row_hash, deleted_at) values (${m.id}, '7', '7', '{}', 'h', now())`;
    expect(m.contactCount).toBe(0);
    expect(await keyFieldLocked(db, m)).toBe(true);
    await expect(updateKeyField(db, m.id, { label: "Code", type: "text" })).rejects.toMatchObject({ code: "key_locked" });
    expect(await keyFieldLocked(db, { ...m, contactCount: 1 })).toBe(true);
  });
});
